import Tensor

print("RagtimeBench: BLAS kernel \(BLAS.coreName)")
