"""Checking what a public function is given, one way for the whole package, so that a wrong
argument is refused at the door with a message that names it, not deep inside PyTorch.

A *rule* says what a number may be; ``arguments`` checks a function's (or a constructor's)
numbers against their rules before its body runs, and ``fields`` does the same for a config's
fields. NumPy's integers and floats are accepted wherever Python's are, and are passed on as
Python's; ``True`` and ``False`` are not numbers here, and neither are NaN or infinity unless a
rule says so.

>>> @arguments(latent_dim=COUNT, beta=AT_LEAST_ZERO)  # COUNT = whole(1), a whole number >= 1
... def build(latent_dim: int, beta: float = 1.0): ...
>>> build(2.5)                # ValueError: build: latent_dim must be a whole number >= 1, got 2.5
>>> rows(x, "x")              # a tensor with at least one row
>>> rows(codes, "codes", 2)   # a covariance needs two
"""

from __future__ import annotations

import functools
import inspect
import math
import numbers
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

import torch

__all__ = [
    "F",
    "Rule",
    "Each",
    "whole",
    "number",
    "optional",
    "COUNT",
    "POSITIVE",
    "AT_LEAST_ZERO",
    "WIDTHS",
    "PAIR",
    "SEED",
    "arguments",
    "fields",
    "Kind",
    "FLAG",
    "OPTIONAL_FLAG",
    "DEVICE",
    "rows",
]

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Rule:
    """What one number may be: a ``whole`` number or any real, from ``low`` (``above`` it when
    ``strict``) to ``high``, ``finite`` or not, and ``None`` too when ``optional``."""

    whole: bool
    low: float | None = None
    strict: bool = False
    high: float | None = None
    finite: bool = True
    optional: bool = False

    def accepted(self) -> str:
        """The rule in words: "a whole number >= 1", "None or a finite number > 0"."""
        words = "a whole number" if self.whole else "a finite number" if self.finite else "a number"
        if self.low is not None and self.high is not None:
            words += f" from {_bound(self.low)} to {_bound(self.high)}"
        elif self.low is not None:
            words += f" {'>' if self.strict else '>='} {_bound(self.low)}"
        elif self.high is not None:
            words += f" <= {_bound(self.high)}"
        return f"None or {words}" if self.optional else words

    def check(self, value: object, where: str) -> Any:
        """``value`` as a Python ``int`` or ``float`` (or ``None``), or an error naming ``where``
        (the argument: "VAE: beta") and what is accepted. A value that is not a number at all is
        a ``TypeError``; a number this rule refuses, or ``True``/``False``, a ``ValueError``."""
        if value is None and self.optional:
            return None
        number: int | float | None
        if type(value) is int or type(value) is float:  # the usual case: nothing to convert
            number = value
        else:
            number = _plain_number(value)
        if number is None and isinstance(value, bool | _numpy_bool()):
            raise ValueError(f"{where} must be {self.accepted()}, got {_shown(value)}")
        if number is None:
            raise TypeError(f"{where} must be {self.accepted()}, got {_shown(value)}")
        if not self._allows(number):
            raise ValueError(f"{where} must be {self.accepted()}, got {_shown(value)}")
        return number

    def _allows(self, number: int | float) -> bool:
        if isinstance(number, float) and (
            self.whole or math.isnan(number) or (self.finite and math.isinf(number))
        ):
            return False
        if self.low is not None and (number <= self.low if self.strict else number < self.low):
            return False
        return self.high is None or number <= self.high


@dataclass(frozen=True)
class Each:
    """A tuple or list of numbers, each following ``rule`` (the widths of a network's layers),
    of exactly ``length`` entries when given, else of at least ``at_least``."""

    rule: Rule
    length: int | None = None
    at_least: int = 0

    def check(self, value: object, where: str) -> tuple[Any, ...]:
        """``value`` as a tuple of Python numbers, or an error naming ``where``, the entry and
        what is accepted."""
        if self.length is not None:
            count = f"{self.length} "
        else:
            count = f"at least {self.at_least} " if self.at_least else ""
        if not isinstance(value, tuple | list):
            raise TypeError(
                f"{where} must be a tuple of {count}numbers, each {self.rule.accepted()}, "
                f"got {value!r}"
            )
        if len(value) != self.length if self.length is not None else len(value) < self.at_least:
            raise ValueError(f"{where} must hold {count}numbers, got {len(value)}: {value!r}")
        return tuple(self.rule.check(v, f"{where}[{i}]") for i, v in enumerate(value))


def whole(at_least: int = 1, at_most: int | None = None) -> Rule:
    """A whole number (Python's or NumPy's, not ``True``/``False``, not ``2.0``) of at least
    ``at_least`` (and at most ``at_most``)."""
    return Rule(whole=True, low=at_least, high=at_most)


def number(
    *,
    above: float | None = None,
    at_least: float | None = None,
    at_most: float | None = None,
    finite: bool = True,
) -> Rule:
    """A real number, finite unless ``finite=False``, ``above`` or ``at_least`` a bound and
    ``at_most`` another; with no bound, any finite number."""
    if above is not None and at_least is not None:
        raise TypeError("give above or at_least, not both")
    low = above if above is not None else at_least
    return Rule(whole=False, low=low, strict=above is not None, high=at_most, finite=finite)


def optional(rule: Rule) -> Rule:
    """``rule``, which also accepts ``None``."""
    return Rule(rule.whole, rule.low, rule.strict, rule.high, rule.finite, optional=True)


#: A count or a size (epochs, samples, a layer's width), a whole number of at least 1.
COUNT = whole(1)
#: A finite number above 0 (a learning rate, a standard deviation).
POSITIVE = number(above=0)
#: A finite number at or above 0 (the weight of a term, where 0 turns it off).
AT_LEAST_ZERO = number(at_least=0)
#: The widths of a network's hidden layers, any number of them, each a count.
WIDTHS = Each(COUNT)
#: Two counts, such as the channels of two convolutional layers or an image's height and width.
PAIR = Each(COUNT, length=2)
#: Any seed that Python, NumPy and PyTorch all accept, a whole number from 0 to ``2**32 - 1``.
SEED = Rule(whole=True, low=0, high=2**32 - 1)


def arguments(**rules: Rule | Each) -> Callable[[F], F]:
    """Check the named arguments of a function or method (``__init__`` for a class) against
    their rules before its body runs, and pass NumPy numbers on as Python's. Defaults are not
    checked: they are the package's own."""

    def decorate(func: F) -> F:
        names = list(inspect.signature(func).parameters)
        unknown = sorted(set(rules) - set(names))
        if unknown:
            raise TypeError(f"{func.__qualname__} has no argument {', '.join(unknown)}")
        where = func.__qualname__.removesuffix(".__init__")
        position = {name: names.index(name) for name in rules}

        @functools.wraps(func)
        def checked(*args: Any, **kwargs: Any) -> Any:
            given = list(args)
            for name, rule in rules.items():
                if name in kwargs:
                    kwargs[name] = rule.check(kwargs[name], f"{where}: {name}")
                elif position[name] < len(given):
                    given[position[name]] = rule.check(given[position[name]], f"{where}: {name}")
            return func(*given, **kwargs)

        return checked  # type: ignore[return-value]

    return decorate


def fields(config: object, **rules: Rule | Each | Kind) -> None:
    """Check a config's fields against their rules (``TrainConfig.lr`` must be ...), and store
    NumPy numbers as Python's."""
    for name, rule in rules.items():
        value = rule.check(getattr(config, name), f"{type(config).__name__}.{name}")
        object.__setattr__(config, name, value)  # frozen dataclasses too


@dataclass(frozen=True)
class Kind:
    """A rule for a setting that is not a number: ``ok(value)`` says whether it is accepted, and
    ``accepted`` says what is, in words."""

    ok: Callable[[object], bool]
    accepted: str

    def check(self, value: object, where: str) -> object:
        """``value``, or a ``ValueError`` naming ``where`` and what is accepted."""
        if not self.ok(value):
            raise ValueError(f"{where} must be {self.accepted}, got {value!r}")
        return value


#: ``True`` or ``False`` (not 0, 1 or "yes").
FLAG = Kind(lambda v: isinstance(v, bool), "True or False")
#: ``None`` (the default), ``True`` or ``False``.
OPTIONAL_FLAG = Kind(lambda v: v is None or isinstance(v, bool), "None, True or False")
#: ``None`` (choose automatically) or a device name.
DEVICE = Kind(lambda v: v is None or isinstance(v, str), "None or a device name")


@arguments(at_least=whole(0))
def rows(value: object, name: str, at_least: int = 1) -> None:
    """Refuse ``value`` unless it is a tensor whose first dimension has ``at_least`` entries (a
    set of ``n`` examples); the message names ``name`` and says how many it needs."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a tensor, got a {type(value).__name__}")
    n = len(value) if value.dim() else 0
    if n < at_least:
        held = "is empty" if n == 0 else f"has {n} row{'s' if n != 1 else ''}"
        raise ValueError(
            f"{name} {held}: it needs at least {at_least} row{'s' if at_least != 1 else ''}"
        )


def _numpy_bool() -> type:
    """NumPy's ``bool_``, which is not a ``bool``."""
    import numpy

    return numpy.bool_


def _plain_number(value: object) -> int | float | None:
    """A Python ``int`` or ``float`` for a number (NumPy's included; a ``bool`` is not one), or
    ``None``."""
    if isinstance(value, bool | _numpy_bool()):
        return None
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return None


def _bound(x: float) -> str:
    """A rule's bound as the message writes it: ``1``, ``0.5``, ``4294967295``."""
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _shown(value: object) -> str:
    """``value`` as the message shows it: NumPy's scalars as their numbers."""
    plain = _plain_number(value)
    return repr(plain) if plain is not None and not isinstance(value, int | float) else repr(value)
