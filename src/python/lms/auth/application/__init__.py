"""Use cases of the auth service and the ports they need. No framework imports."""
