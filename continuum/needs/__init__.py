"""Needs: the domains of need (data) and each need found on a case, with where it came from."""
