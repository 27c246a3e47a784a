"""Functions for the child processes of h8sig_sigstate (importable without the Agent's modules)."""
import os
import time


def status():
    # os-level calls only: nothing here takes a lock another thread of the host may have held at fork
    fd = os.open("/proc/self/status", os.O_RDONLY)
    try:
        chunks = []
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks).decode()
    finally:
        os.close(fd)


def send_status(conn):
    conn.send(status())
    conn.close()


def nap():
    time.sleep(60)
