"""The Strawberry schema: the one API that the admin and every client use."""
