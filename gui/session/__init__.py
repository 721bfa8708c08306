"""State without widgets: the training session, the document, the points and runs models, the undo commands, the
training process client, the remembered settings.
"""
