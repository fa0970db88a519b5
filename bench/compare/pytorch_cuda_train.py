"""PyTorch cuDNN baseline for `npm run bench -- gpu`: the seed model's training step on a CUDA GPU.

Same model as pytorch_train.py (Embedding 86 -> 512, 3 x LSTM 256 + Dropout 0.2, Linear 86, cross-entropy,
Adam 1e-3, random tokens, stateful hidden state detached between batches), at each batch size given, 64 steps
per row. Prints one JSON line: {"ms": {"16": median, "256": median}, "torch": ..., "device": ...}, or
{"error": "..."} (exit 0) where CUDA is not available.

usage: python3 pytorch_cuda_train.py [--batches 16,256] [--steps 20] [--warmup 5]
"""
import argparse
import json
import statistics
import time

VOCAB, EMBED, UNITS, LAYERS, SEQ = 86, 512, 256, 3, 64


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--batches", default="16,256")
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=5)
    args = p.parse_args()
    try:
        import torch
        from torch import nn

        # The same model class as the CPU baseline (this folder is on sys.path when run as a script).
        from pytorch_train import Seed
    except Exception as e:  # noqa: BLE001 - any import failure means no baseline
        print(json.dumps({"error": f"torch not importable: {e}"}), flush=True)
        return
    if not torch.cuda.is_available():
        print(json.dumps({"error": "torch.cuda.is_available() is False", "torch": torch.__version__}), flush=True)
        return
    dev = torch.device("cuda")
    torch.backends.cudnn.benchmark = True

    result = {}
    for batch in [int(b) for b in args.batches.split(",") if b]:
        torch.manual_seed(0)
        model = Seed().to(dev)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = nn.CrossEntropyLoss()
        state = [(torch.zeros(1, batch, UNITS, device=dev), torch.zeros(1, batch, UNITS, device=dev)) for _ in range(LAYERS)]
        gen = torch.Generator(device=dev).manual_seed(1)
        times = []
        for i in range(args.warmup + args.steps):
            x = torch.randint(0, VOCAB, (batch, SEQ), generator=gen, device=dev)
            y = torch.randint(0, VOCAB, (batch, SEQ), generator=gen, device=dev)
            torch.cuda.synchronize()
            t0 = time.perf_counter()
            opt.zero_grad()
            logits, state = model(x, state)
            loss = loss_fn(logits.reshape(-1, VOCAB), y.reshape(-1))
            loss.backward()
            opt.step()
            loss.item()  # as the tfjs bench reads its loss back
            torch.cuda.synchronize()
            if i >= args.warmup:
                times.append((time.perf_counter() - t0) * 1000.0)
        result[str(batch)] = statistics.median(times)
        del model, opt
    print(json.dumps({"ms": result, "torch": torch.__version__, "device": torch.cuda.get_device_name(0)}), flush=True)


if __name__ == "__main__":
    main()
