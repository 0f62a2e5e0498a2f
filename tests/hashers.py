"""Argon2 with the smallest costs, so that making test users takes milliseconds.

Same algorithm and hash format as production (the hash still starts with "argon2"); only the
work factors differ, and they are stored in each hash.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 8
    parallelism = 1
