"""`python -m pathlearn`: the same command line as `pathlearn`."""

import sys

from pathlearn.cli import main

if __name__ == "__main__":
    sys.exit(main())
