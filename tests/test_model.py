"""Unit tests of the notebook's model, loss and training helpers."""
import math

import pytest
import torch
import torch.nn.functional as F
from torch.distributions import Normal, kl_divergence


def test_layer_sizes_match_the_assignment(nb):
    vae = nb.VAE()
    shapes = {name: tuple(p.shape) for name, p in vae.named_parameters()}
    assert shapes == {
        "encoder.hidden.weight": (512, 784), "encoder.hidden.bias": (512,),
        "encoder.mu.weight": (2, 512), "encoder.mu.bias": (2,),
        "encoder.logvar.weight": (2, 512), "encoder.logvar.bias": (2,),
        "decoder.hidden.weight": (512, 2), "decoder.hidden.bias": (512,),
        "decoder.out.weight": (784, 512), "decoder.out.bias": (784,),
    }


def test_encoder_returns_mu_and_logvar_of_shape_n_by_2(nb):
    torch.manual_seed(0)
    mu, logvar = nb.Encoder()(torch.rand(7, 784))
    assert mu.shape == (7, 2) and logvar.shape == (7, 2)
    assert not torch.equal(mu, logvar)


def test_decoder_output_is_a_probability_even_far_from_the_prior(nb):
    torch.manual_seed(0)
    decoder = nb.Decoder()
    z = torch.cat([torch.randn(100, 2), torch.tensor([[60.0, -60.0], [-80.0, 80.0]])])
    x = decoder(z)
    assert x.shape == (102, 784)
    assert x.min() >= 0 and x.max() <= 1
    assert torch.allclose(x, torch.sigmoid(decoder.logits(z)))


def test_kl_matches_torch_distributions(nb):
    torch.manual_seed(0)
    mu, logvar = torch.randn(64, 2) * 2, torch.randn(64, 2)
    expected = kl_divergence(Normal(mu, torch.exp(0.5 * logvar)), Normal(0.0, 1.0)).sum(dim=1)
    assert torch.allclose(nb.kl_divergence(mu, logvar), expected, atol=1e-5)
    assert torch.allclose(nb.kl_divergence(torch.zeros(3, 2), torch.zeros(3, 2)),
                          torch.zeros(3))


def test_reparameterized_samples_have_the_posterior_mean_and_variance(nb):
    mu = torch.tensor([[1.5, -2.0]]).expand(200_000, 2)
    logvar = torch.log(torch.tensor([[0.25, 4.0]])).expand(200_000, 2)
    z = nb.reparameterize(mu, logvar, torch.Generator().manual_seed(0))
    assert torch.allclose(z.mean(dim=0), torch.tensor([1.5, -2.0]), atol=0.02)
    assert torch.allclose(z.var(dim=0), torch.tensor([0.25, 4.0]), rtol=0.02)
    same = nb.reparameterize(mu, logvar, torch.Generator().manual_seed(0))
    assert torch.equal(z, same)


def test_reparameterization_is_differentiable_in_mu_and_logvar(nb):
    mu = torch.zeros(5, 2, requires_grad=True)
    logvar = torch.zeros(5, 2, requires_grad=True)
    nb.reparameterize(mu, logvar).sum().backward()
    assert torch.equal(mu.grad, torch.ones(5, 2))
    assert logvar.grad.abs().sum() > 0


@pytest.mark.parametrize("kind", ["bce", "mse"])
def test_loss_parts_add_up_and_match_the_textbook_formulas(nb, kind):
    torch.manual_seed(0)
    x = torch.rand(32, 784)
    logits = torch.randn(32, 784) * 3
    probs = torch.sigmoid(logits)
    per_image = nb.reconstruction_loss(logits, x, kind)
    if kind == "bce":
        expected = F.binary_cross_entropy(probs, x, reduction="none").sum(dim=1)
    else:
        expected = ((probs - x) ** 2).sum(dim=1)
    assert per_image.shape == (32,)
    assert torch.allclose(per_image, expected, rtol=1e-4)

    model = nb.VAE()
    torch.manual_seed(1)
    recon, kl = nb.vae_loss(model, x, kind)
    torch.manual_seed(1)
    logits, mu, logvar = model(x)
    assert torch.allclose(recon, nb.reconstruction_loss(logits, x, kind).sum())
    assert torch.allclose(kl, nb.kl_divergence(mu, logvar).sum())


def test_unknown_reconstruction_loss_is_rejected(nb):
    with pytest.raises(ValueError, match="bce"):
        nb.reconstruction_loss(torch.zeros(1, 784), torch.zeros(1, 784), "l1")


def test_gradients_reach_every_parameter(nb):
    torch.manual_seed(0)
    model = nb.VAE()
    recon, kl = nb.vae_loss(model, torch.rand(16, 784), "bce")
    (recon + kl).backward()
    for name, p in model.named_parameters():
        assert p.grad is not None, name
        assert torch.isfinite(p.grad).all() and p.grad.abs().sum() > 0, name


def test_learning_rate_schedule_warms_up_then_decays_to_zero(nb):
    total, warmup = 1000, 100
    factors = [nb.lr_factor(s, total, warmup) for s in range(total)]
    assert factors[0] == pytest.approx(0.01)
    assert max(factors) == pytest.approx(1.0)
    assert factors.index(max(factors)) in (warmup - 1, warmup)
    assert factors[-1] < 1e-4
    assert all(a >= b for a, b in zip(factors[warmup:], factors[warmup + 1:]))
    assert all(0 < f <= 1 for f in factors) and not any(math.isnan(f) for f in factors)
