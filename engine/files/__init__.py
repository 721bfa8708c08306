"""Files the engine writes and reads: trained models (.pt, .pt2, .onnx, .json), the Python-script export, project
files, atomic writes.
"""
