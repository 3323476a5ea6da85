"""The lowest layer: argument checks, broadcasting and the status record, shared by every
other part of fixpt and depending on none of them."""
