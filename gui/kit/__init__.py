"""Small pieces with no knowledge of the app: plot style, curve decimation, the density image, widget naming,
plot image export.
"""
