#!/usr/bin/env python3
"""Writes arrivals_5pct_loss_40ms.txt: a recorded arrival pattern for the
jitter buffer test. 20 ms Opus packets for 12 s, sequence numbers crossing
65535 -> 0, 5% of packets lost, one-way delay 30 ms + uniform 0..40 ms
(so packets more than 20 ms apart in delay arrive reordered).

The expected counts in the header are computed here, independently of the
C++ code under test. Run once; the output is committed."""
import random

rng = random.Random(20261122)
first_seq = 65536 - 200
rows = []
lost_indices = set(rng.sample(range(1, 600), 30))  # exactly 5%
lost = len(lost_indices)
for i in range(600):
    seq = (first_seq + i) % 65536
    send_ms = 20 * i
    if i in lost_indices:
        continue
    delay_ms = 30 + rng.uniform(0, 40)
    rows.append((seq, send_ms, round(send_ms + delay_ms, 3), i))

by_arrival = sorted(rows, key=lambda r: (r[2], r[3]))
reordered = 0
highest = -1
for seq, send, arrival, index in by_arrival:
    if index < highest:
        reordered += 1
    highest = max(highest, index)

with open("arrivals_5pct_loss_40ms.txt", "w") as out:
    out.write("# seq send_ms arrival_ms, in arrival order; 20 ms packets, 48 kHz\n")
    out.write(f"# expected: sent=600 lost={lost} received={len(rows)} reordered={reordered}\n")
    for seq, send, arrival, _ in by_arrival:
        out.write(f"{seq} {send} {arrival:.3f}\n")
print(f"lost={lost} received={len(rows)} reordered={reordered}")
