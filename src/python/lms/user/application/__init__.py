"""Use cases of the user service and the ports they need. No framework imports."""
