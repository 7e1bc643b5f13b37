#!/usr/bin/env python
import os
import sys

# Commands that serve or work need a reachable database; refuse at once with a one-line message otherwise.
SERVING_COMMANDS = {"runserver", "qcluster", "migrate", "seed_demo"}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "integration_console.settings")
    import django
    from django.core.management import execute_from_command_line

    if len(sys.argv) > 1 and sys.argv[1] in SERVING_COMMANDS:
        django.setup()
        from integration_console.startup import assert_database_reachable

        assert_database_reachable()
        if sys.argv[1] == "qcluster":  # runserver checks itself; a worker must refuse bad keys the same way
            from django.core.management import call_command

            call_command("check", fail_level="ERROR")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
