"""Training itself: the config, the optimizer/loss/schedule registries, the two loops (fused and autograd),
devices, results and the buffers that carry progress.
"""
