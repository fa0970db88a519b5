"""PyTorch CPU baseline for `npm run bench -- train`: the seed model, one thread (or N, given as argument).

Embedding(86 -> 512) -> 3 x (LSTM 256 -> Dropout 0.2) -> Linear 86, cross-entropy on logits, Adam, batches of
16 x 64 random tokens, hidden state carried across batches (detached) as the seed's stateful Keras model does.

Runs as a server so the bench can interleave it with tunelab's steps: prints "ready" after a warm-up, then for
every line "N" on stdin runs N training steps and prints one JSON line {"ms": [...], "loss": ...}.
Run with OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 (the bench sets them); an argument N runs it on N threads
(torch.set_num_threads(N), with the bench setting the variables to N).
"""
import json
import sys
import time

import torch
from torch import nn

VOCAB, EMBED, UNITS, LAYERS, BATCH, SEQ = 86, 512, 256, 3, 16, 64


class Seed(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, EMBED)
        self.lstms = nn.ModuleList(
            [nn.LSTM(EMBED if i == 0 else UNITS, UNITS, batch_first=True) for i in range(LAYERS)]
        )
        self.drop = nn.Dropout(0.2)
        self.out = nn.Linear(UNITS, VOCAB)

    def forward(self, x, state):
        h = self.embed(x)
        new_state = []
        for lstm, s in zip(self.lstms, state):
            h, s2 = lstm(h, s)
            new_state.append(tuple(t.detach() for t in s2))
            h = self.drop(h)
        return self.out(h), new_state


def main():
    torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
    torch.manual_seed(0)
    model = Seed()
    params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    state = [(torch.zeros(1, BATCH, UNITS), torch.zeros(1, BATCH, UNITS)) for _ in range(LAYERS)]
    gen = torch.Generator().manual_seed(1)

    def step():
        nonlocal state
        x = torch.randint(0, VOCAB, (BATCH, SEQ), generator=gen)
        y = torch.randint(0, VOCAB, (BATCH, SEQ), generator=gen)
        t0 = time.perf_counter()
        opt.zero_grad()
        logits, state = model(x, state)
        loss = loss_fn(logits.reshape(-1, VOCAB), y.reshape(-1))
        loss.backward()
        opt.step()
        return (time.perf_counter() - t0) * 1000.0, loss.item()

    for _ in range(2):
        step()
    print(json.dumps({"ready": True, "params": params, "torch": torch.__version__}), flush=True)
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        n = int(line)
        ms, loss = [], 0.0
        for _ in range(n):
            m, loss = step()
            ms.append(m)
        print(json.dumps({"ms": ms, "loss": loss}), flush=True)


if __name__ == "__main__":
    main()
