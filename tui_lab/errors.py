"""The one exception type the lab raises for anything a user did wrong."""


class LabError(Exception):
    """A user-facing problem: bad input, a bad setting, a file that cannot be used.

    The message is one complete sentence meant to be shown as it is: on the command line
    as one line on stderr, in the app as a notification. Whatever raised it left the lab's
    state as it was before the call.
    """
