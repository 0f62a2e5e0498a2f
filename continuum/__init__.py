"""Continuum: case management and coordination for survivors of commercial sexual exploitation."""
