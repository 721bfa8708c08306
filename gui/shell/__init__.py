"""The top of the window: the main window that assembles the views, its menus, dialogs and file/export actions."""
