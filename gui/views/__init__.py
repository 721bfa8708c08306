"""What the user sees and edits: the plots, the points table, the training panel, the runs table. Views read the
session's models; they never start work themselves.
"""
