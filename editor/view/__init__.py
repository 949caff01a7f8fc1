"""The buffer on screen: the Line-API widget, its layout, rendering, layers, motions and editing commands."""
