#!/usr/bin/env python
from continuum.cli import main

if __name__ == "__main__":
    main()
