"""What the points say without training: the closed-form least-squares optimum, the loss surface, the stable
learning rate.
"""
