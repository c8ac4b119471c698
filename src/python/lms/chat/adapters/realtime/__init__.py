"""The live edge: Socket.IO on socketify, relayed across processes through Redis pub/sub."""
