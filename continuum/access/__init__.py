"""The single access policy. Import from here: `from continuum import access`."""
