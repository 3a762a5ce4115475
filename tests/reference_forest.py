"""A plain-Python oracle of the native forest surrogate (slow; small data only).

It follows the rule written in cpp/include/evonas/surrogate.hpp step by step,
with its own Philox4x32-10, recursion and Python floats, so agreement with
the native code is bit for bit.
"""

from __future__ import annotations

import math

import numpy as np

MASK32 = 0xFFFFFFFF
FOREST_STREAM = 0x464F


def philox_block(ctr: list[int], key: list[int]) -> list[int]:
    """Philox4x32-10 of a 4-word counter under a 2-word key."""
    c0, c1, c2, c3 = ctr
    k0, k1 = key
    for rnd in range(10):
        if rnd:
            k0 = (k0 + 0x9E3779B9) & MASK32
            k1 = (k1 + 0xBB67AE85) & MASK32
        p0 = 0xD2511F53 * c0
        p1 = 0xCD9E8D57 * c2
        c0, c1, c2, c3 = ((p1 >> 32) ^ c1 ^ k0) & MASK32, p1 & MASK32, ((p0 >> 32) ^ c3 ^ k1) & MASK32, p0 & MASK32
    return [c0, c1, c2, c3]


class Stream:
    """The 64-bit draws of PhiloxStream(seed, stream_a, stream_b): two per block."""

    def __init__(self, seed: int, stream_a: int, stream_b: int) -> None:
        self.key = [seed & MASK32, (seed >> 32) & MASK32]
        self.ctr = [0, stream_b & MASK32, stream_a & MASK32, (stream_a >> 32) & MASK32]
        self.buffer: list[int] = []

    def u64(self) -> int:
        if not self.buffer:
            w = philox_block(self.ctr, self.key)
            self.ctr[0] += 1
            self.buffer = [w[2] | (w[3] << 32), w[0] | (w[1] << 32)]  # popped from the end: w0|w1 first
        return self.buffer.pop()

    def uniform(self) -> float:
        return (self.u64() >> 11) * 2.0**-53

    def below(self, n: int) -> int:
        """Lemire's unbiased multiply-and-reject, as rng.hpp does it."""
        while True:
            prod = self.u64() * n
            hi, low = prod >> 64, prod & (2**64 - 1)
            if low >= n or low >= ((2**64 - n) % 2**64) % n:
                return hi


def _fit_tree(X, y, t, *, max_features, min_samples_leaf, max_depth, bootstrap, seed):
    n, d = len(X), len(X[0])
    stream_a = FOREST_STREAM << 32 | t
    if bootstrap:
        rs = Stream(seed, stream_a, 0)
        samples = [rs.below(n) for _ in range(n)]
    else:
        samples = list(range(n))
    nodes: list[list] = []  # [feature, threshold, right (local), value]

    def build(S, depth):
        node_id = len(nodes)
        nodes.append(None)
        total = 0.0
        for s in S:
            total += y[s]
        pure = min(y[s] for s in S) == max(y[s] for s in S)
        best = None
        if not pure and len(S) >= 2 * min_samples_leaf and not (max_depth and depth >= max_depth):
            rs = Stream(seed, stream_a, node_id + 1)
            perm = list(range(d))
            best_score = -math.inf
            for j in range(max_features):
                r = j + rs.below(d - j)
                perm[j], perm[r] = perm[r], perm[j]
                f = perm[j]
                vals = [X[s][f] for s in S]
                lo, hi = min(vals), max(vals)
                if not lo < hi:
                    continue
                thr = lo + (hi - lo) * rs.uniform()
                if thr >= hi:
                    thr = lo
                sl, nl = 0.0, 0
                for s in S:
                    if X[s][f] <= thr:
                        sl += y[s]
                        nl += 1
                nr = len(S) - nl
                if nl < min_samples_leaf or nr < min_samples_leaf:
                    continue
                sr = total - sl
                score = sl * sl / nl + sr * sr / nr
                if score > best_score:
                    best_score, best = score, (f, thr)
        if best is None:
            nodes[node_id] = [0, -math.inf, node_id, y[S[0]] if pure else total / len(S)]
            return
        f, thr = best
        nodes[node_id] = [f, thr, None, total / len(S)]
        build([s for s in S if X[s][f] <= thr], depth + 1)
        nodes[node_id][2] = len(nodes)
        build([s for s in S if not X[s][f] <= thr], depth + 1)

    build(samples, 0)
    return nodes


def fit_forest(X, y, *, n_trees, max_features, min_samples_leaf=1, max_depth=0, bootstrap=False, seed=0):
    """The node table (feature, threshold, right, value, tree_offset) of the native forest."""
    X = np.asarray(X, dtype=np.float64).tolist()
    y = np.asarray(y, dtype=np.float64).tolist()
    feature, threshold, right, value, offsets = [], [], [], [], [0]
    for t in range(n_trees):
        tree = _fit_tree(X, y, t, max_features=max_features, min_samples_leaf=min_samples_leaf,
                         max_depth=max_depth, bootstrap=bootstrap, seed=seed)
        for f, thr, r, v in tree:
            feature.append(f)
            threshold.append(thr)
            right.append(r + offsets[-1])
            value.append(v)
        offsets.append(offsets[-1] + len(tree))
    return (np.array(feature, np.int32), np.array(threshold), np.array(right, np.int32), np.array(value),
            np.array(offsets, np.int64))


def predict(nodes, X):
    """Mean and population std over the trees, by plain descent (two-pass formula)."""
    feature, threshold, right, value, offsets = nodes
    X = np.asarray(X, dtype=np.float64)
    preds = np.empty((X.shape[0], len(offsets) - 1))
    for t in range(len(offsets) - 1):
        for r, x in enumerate(X):
            i = offsets[t]
            while right[i] != i:
                i = i + 1 if x[feature[i]] <= threshold[i] else right[i]
            preds[r, t] = value[i]
    return preds.mean(axis=1), preds.std(axis=1), preds
