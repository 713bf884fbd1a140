"""Prints a TCP port that was free on 127.0.0.1 a moment ago (the OS picks it).

    python3 scripts/lib/free-port.py
"""

import socket

with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
