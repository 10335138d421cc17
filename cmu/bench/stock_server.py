"""The stock Panda3D ServerRepository (threadedNet default) on the test schema.
Usage: python3 stock_server.py PORT DCFILE"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from panda3d.core import loadPrcFileData  # noqa: E402

loadPrcFileData("", "window-type none\naudio-library-name null\n")
from direct.showbase.ShowBase import ShowBase  # noqa: E402
from direct.distributed.ServerRepository import ServerRepository  # noqa: E402

base = ShowBase(windowType="none")
server = ServerRepository(int(sys.argv[1]), dcFileNames=[sys.argv[2]])
print("stock: listening", flush=True)
base.run()
