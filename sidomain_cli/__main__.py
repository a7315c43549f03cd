"""Entry point for ``sidomain`` and ``python -m sidomain_cli``."""

import sys


def main() -> None:
    from sidomain_cli.cli import run

    sys.exit(run())


if __name__ == "__main__":
    main()
