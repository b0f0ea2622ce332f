"""The sampler on synthetic logits: greedy, top-k, top-p, temperature and per-request seeds."""

import torch

from engine.protocol import SamplingParams
from engine.sampler import (
    apply_penalties,
    filter_logits,
    make_generator,
    sample,
    sample_one,
    token_logprobs,
)


def test_greedy_rows_take_the_argmax():
    logits = torch.tensor([[0.0, 3.0, 1.0], [5.0, 0.0, 1.0]])
    greedy = SamplingParams(temperature=0)
    assert sample(logits, [greedy, greedy], [make_generator(0)] * 2) == [1, 0]


def test_top_k_keeps_only_the_k_best():
    out = filter_logits(torch.tensor([1.0, 4.0, 3.0, 2.0]), top_k=2, top_p=1.0)
    assert torch.isinf(out[[0, 3]]).all() and torch.isfinite(out[[1, 2]]).all()


def test_top_p_keeps_the_smallest_nucleus():
    logits = torch.log(torch.tensor([0.5, 0.3, 0.15, 0.05]))
    out = filter_logits(logits, top_k=0, top_p=0.7)
    assert torch.isfinite(out[:2]).all() and torch.isinf(out[2:]).all()
    tiny = filter_logits(logits, top_k=0, top_p=1e-6)
    assert torch.isfinite(tiny).sum() == 1 and torch.isfinite(tiny[0])


def test_samples_follow_the_distribution():
    logits = torch.log(torch.tensor([0.7, 0.2, 0.1]))
    params = SamplingParams(temperature=1.0)
    g = make_generator(1)
    counts = torch.bincount(torch.tensor([sample_one(logits, params, g) for _ in range(3000)]), minlength=3)
    freq = counts.float() / 3000
    assert torch.allclose(freq, torch.tensor([0.7, 0.2, 0.1]), atol=0.04)


def test_a_batch_draws_each_row_from_its_own_distribution():
    """Sampled rows are drawn together (one cumulative sum, engine.sampler.draw): each follows
    its own distribution, greedy rows beside them stay argmax, and a token outside top-k (zero
    probability) is never drawn."""
    logits = torch.log(torch.tensor([[0.7, 0.2, 0.1, 1e-9], [0.15, 0.05, 0.8, 1e-9],
                                     [0.1, 0.5, 0.4, 1e-9]]))
    params = [SamplingParams(temperature=1.0), SamplingParams(temperature=1.0, top_k=2),
              SamplingParams(temperature=0.0)]
    gens = [make_generator(s) for s in (1, 2, 3)]
    draws = torch.tensor([sample(logits, params, gens) for _ in range(3000)])
    first = torch.bincount(draws[:, 0], minlength=4).float() / 3000
    assert torch.allclose(first, torch.tensor([0.7, 0.2, 0.1, 0.0]), atol=0.04)
    second = torch.bincount(draws[:, 1], minlength=4).float() / 3000
    assert torch.allclose(second, torch.tensor([0.15 / 0.95, 0.0, 0.8 / 0.95, 0.0]), atol=0.04)
    assert (draws[:, 2] == 1).all()


def test_same_seed_same_tokens_whatever_the_batch():
    logits = torch.randn(3, 50)
    params = SamplingParams(temperature=0.9, top_p=0.95)
    draws = 20
    alone = [sample(logits[1:2], [params], [g])[0] for g in [make_generator(42)] for _ in range(draws)]
    gens = [make_generator(7), make_generator(42), make_generator(9)]
    batched = [sample(logits, [params] * 3, gens)[1] for _ in range(draws)]
    assert batched == alone
    other = make_generator(43)
    assert [sample_one(logits[1], params, other) for _ in range(draws)] != alone


def test_low_temperature_approaches_greedy():
    logits = torch.tensor([1.0, 1.5, 0.5])
    g = make_generator(0)
    picks = {sample_one(logits, SamplingParams(temperature=0.01), g) for _ in range(50)}
    assert picks == {1}


def test_presence_and_frequency_penalties_follow_openai():
    logits = torch.zeros(5)
    params = SamplingParams(presence_penalty=0.5, frequency_penalty=0.25)
    out = apply_penalties(logits, params, prompt_ids=[4], output_ids=[1, 1, 2])
    # token 1: twice (0.5 + 2 x 0.25), token 2: once (0.5 + 0.25); prompt tokens are not counted
    assert out.tolist() == [0.0, -1.0, -0.75, 0.0, 0.0]


def test_repetition_penalty_divides_positive_and_multiplies_negative_logits():
    logits = torch.tensor([2.0, -2.0, 2.0])
    out = apply_penalties(logits, SamplingParams(repetition_penalty=2.0), [0], [1])
    assert out.tolist() == [1.0, -4.0, 2.0]


def test_logit_bias_can_force_a_token():
    logits = torch.tensor([[5.0, 0.0, 1.0]])
    params = SamplingParams(temperature=0.0, logit_bias=((1, 100.0),))
    assert sample(logits, [params], [make_generator(0)], [([], [])]) == [1]


def test_min_p_drops_tokens_below_the_floor():
    logits = torch.log(torch.tensor([0.6, 0.3, 0.05, 0.05]))
    out = filter_logits(logits, top_k=0, top_p=1.0, min_p=0.2)  # floor 0.12
    assert torch.isfinite(out[:2]).all() and torch.isinf(out[2:]).all()


def test_token_logprobs_are_log_softmax_with_sorted_top():
    logits = torch.randn(2, 10)
    lps = token_logprobs(logits, [3, 7], top=4)
    ref = torch.log_softmax(logits, -1)
    assert lps[0].token_id == 3 and abs(lps[0].logprob - ref[0, 3].item()) < 1e-6
    assert [t for t, _ in lps[1].top] == ref[1].topk(4).indices.tolist()
    assert token_logprobs(logits, [0, 0], top=0)[0].top == []
