"""``python -m interlace.kernel -f CONNECTION_FILE``."""

from interlace.kernel._app import main

if __name__ == "__main__":
    main()
