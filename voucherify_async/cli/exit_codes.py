"""The exit codes of the ``voucherify-async`` command, the same for every sub-command.

- 0 (:data:`EXIT_OK`): done; for ``import``, every order was imported;
- 1 (:data:`EXIT_NOT_ALL_IMPORTED`): some orders failed or were rejected (the ``--rejects`` /
  ``--failures`` files say which), or the import stopped on an error of the API or the network;
- 2 (:data:`EXIT_USAGE`): a usage, configuration or authentication problem: fix it before trying again;
- 130 (:data:`EXIT_INTERRUPTED`): interrupted (Ctrl-C or SIGTERM); the journal is saved (unless
  ``--no-checkpoint``), and running the same command again resumes.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_NOT_ALL_IMPORTED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
