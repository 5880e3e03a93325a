"""pytest set-up shared by tests/ and the notebooks that nbval runs from chapters/."""

import os

# Notebooks run by nbval inherit this environment: run them at their smoke-test size unless
# the caller asked otherwise (VAECORE_QUICK=0 pytest runs the full book).
os.environ.setdefault("VAECORE_QUICK", "1")
