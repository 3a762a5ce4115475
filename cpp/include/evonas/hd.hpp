// Marks functions that the CUDA kernels call as well as the CPU path, so that
// both run one implementation (and draw the same random numbers).
#pragma once

#if defined(__CUDACC__)
#define EVONAS_HD __host__ __device__
#else
#define EVONAS_HD
#endif
