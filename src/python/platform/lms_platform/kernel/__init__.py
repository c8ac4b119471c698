"""The shared kernel: pure Python types every service's domain and application layers may import.

Nothing here imports a framework or a client library; the dependency-rule check enforces it.
"""
