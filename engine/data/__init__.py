"""Points and where they come from: the point set, CSV text and files, the generator, feature scaling, point
edits.
"""
