"""The frozen app's entry point: the same ``main`` as the ``hushdesk`` command.

Child processes (the model engine, document readers) start through here too:
``multiprocessing.freeze_support()`` in ``main`` routes them.
"""

import sys

from hushdesk.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
