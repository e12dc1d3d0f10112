"""``hushdesk`` / ``python -m hushdesk``: no arguments opens the app, otherwise the CLI."""

from __future__ import annotations

import multiprocessing
import sys


def main(argv: list[str] | None = None) -> int:
    multiprocessing.freeze_support()  # frozen builds start their child processes through here
    from hushdesk import privacy

    privacy.apply()  # before anything heavy is imported

    from hushdesk import logs

    args = sys.argv[1:] if argv is None else argv
    logs.setup()
    if not args or args[0] in ("gui", "--gui"):
        from hushdesk.gui_entry import launch

        return launch()
    if args[0] in ("quick", "selection"):  # Quick ask, the actions on selected text: commands
        from hushdesk.gui_entry import launch  # bound to keys in the desktop's settings

        return launch(show=args[0])
    if args[0] == "_clipboard":  # the command line's clipboard helper (cli/clipboard.py)
        from hushdesk.ui.clipboard import main as clipboard

        return clipboard(args[1:])
    from hushdesk import cli

    return cli.main(args)


if __name__ == "__main__":
    sys.exit(main())
