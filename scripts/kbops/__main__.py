"""Allow `python -m kbops` as an alias of the `kb` command."""

from kbops.cli import main

if __name__ == "__main__":
    main()
