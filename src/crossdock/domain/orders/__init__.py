"""Orders: the platform's snapshot, our unified status machine and the reconcile rule."""
