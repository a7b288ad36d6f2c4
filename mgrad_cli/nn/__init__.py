"""Networks and what trains them: the lecture's MLP of Values (mlp.py), the same MLP on
Tensors (tensor_mlp.py), the loss table (losses.py), the optimizer table and
learning-rate schedules (optim.py), the activation table (activations.py)."""
