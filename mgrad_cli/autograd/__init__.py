"""The autograd engines: a node of a computation graph and the operators and methods an op
table gives its class (node.py), the forward formulas both tables share (opkit.py), the
scalar op table (ops.py), the scalar engine's Value (value.py) and the tensor engine's
Tensor with its own op table (tensor.py). Backpropagation walks the graph in topological
order."""
