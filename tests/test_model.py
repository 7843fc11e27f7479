"""Unit tests of the notebook's model, loss and training helpers, against independent formulas."""
import math

import numpy as np
import pytest
import torch
from torch.distributions import Bernoulli, Normal, kl_divergence


def test_layer_sizes_match_the_assignment(nb):
    vae = nb.VAE()
    shapes = {name: tuple(p.shape) for name, p in vae.named_parameters()}
    assert shapes == {
        "encoder.0.weight": (512, 784), "encoder.0.bias": (512,),
        "mu.weight": (2, 512), "mu.bias": (2,),
        "logvar.weight": (2, 512), "logvar.bias": (2,),
        "decoder.0.weight": (512, 2), "decoder.0.bias": (512,),
        "decoder.2.weight": (784, 512), "decoder.2.bias": (784,),
    }


def test_encoder_computes_two_heads_on_a_relu_layer(nb):
    torch.manual_seed(0)
    vae = nb.VAE()
    x = torch.rand(7, 784)
    mu, logvar = vae.encode(x)
    W, b = vae.encoder[0].weight, vae.encoder[0].bias
    h = torch.clamp(x @ W.T + b, min=0)
    assert torch.allclose(mu, h @ vae.mu.weight.T + vae.mu.bias, atol=1e-5)
    assert torch.allclose(logvar, h @ vae.logvar.weight.T + vae.logvar.bias, atol=1e-5)


def test_decoder_computes_sigmoid_of_a_relu_layer(nb):
    torch.manual_seed(0)
    vae = nb.VAE()
    hidden, out = vae.decoder[0], vae.decoder[2]
    z = torch.cat([torch.randn(100, 2), torch.tensor([[60.0, -60.0], [-80.0, 80.0]])])
    h = torch.clamp(z @ hidden.weight.T + hidden.bias, min=0)
    expected = 1 / (1 + torch.exp(-(h @ out.weight.T + out.bias)))
    x = nb.decode(vae, z)
    assert x.shape == (102, 28, 28) and x.min() >= 0 and x.max() <= 1
    assert torch.allclose(x.reshape(102, 784), expected, atol=1e-6)
    assert nb.decode(vae, z.reshape(2, 51, 2)).shape == (2, 51, 28, 28)


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


def test_reparameterize_draws_its_noise_on_the_device_of_mu(nb, monkeypatch):
    """On a GPU a noise drawn on the CPU and copied over would make the host wait for the GPU at
    every training step (a blocking copy synchronises the stream)."""
    devices, randn = [], torch.randn

    def recording_randn(*args, **kwargs):
        devices.append(kwargs.get("device"))
        return randn(*args, **kwargs)

    monkeypatch.setattr(torch, "randn", recording_randn)
    mu = torch.zeros(4, 2, device="meta")  # a device without data: nothing can be copied there
    z = nb.reparameterize(mu, mu, None)
    assert devices == [mu.device] and z.device == mu.device


def test_reparameterization_is_differentiable_in_mu_and_logvar(nb):
    mu = torch.zeros(5, 2, requires_grad=True)
    logvar = torch.zeros(5, 2, requires_grad=True)
    nb.reparameterize(mu, logvar).sum().backward()
    assert torch.equal(mu.grad, torch.ones(5, 2))
    assert logvar.grad.abs().sum() > 0


def test_bce_in_float32_matches_float64_for_any_logit(nb):
    """In float32 the loss of a batch stays within 1e-3 nats per image of the float64 value,
    also where every logit is large, and its gradient is sigmoid(l) - x."""
    torch.manual_seed(0)
    logits = torch.cat([torch.randn(62, 784) * 8 - 4, torch.full((1, 784), 90.0),
                        torch.full((1, 784), -90.0)]).requires_grad_()
    x = torch.rand(64, 784)
    ours = nb.reconstruction_loss(logits, x, "bce")
    exact = -Bernoulli(logits=logits.double(), validate_args=False).log_prob(x.double()).sum()
    assert torch.isfinite(ours) and abs(ours.double() - exact) / 64 < 1e-3
    (gradient,) = torch.autograd.grad(ours, logits)
    assert torch.allclose(gradient, torch.sigmoid(logits) - x, atol=1e-6)


@pytest.mark.parametrize("kind", ["bce", "mse"])
def test_reconstruction_loss_is_the_textbook_sum_over_pixels_and_images(nb, kind):
    torch.manual_seed(0)
    x = torch.rand(32, 784)
    logits = torch.randn(32, 784) * 3
    if kind == "bce":
        expected = -Bernoulli(logits=logits, validate_args=False).log_prob(x).sum()
    else:
        expected = ((1 / (1 + torch.exp(-logits)) - x) ** 2).sum()
    assert torch.allclose(nb.reconstruction_loss(logits, x, kind), expected, rtol=1e-4)


@pytest.mark.parametrize("kind", ["bce", "mse"])
def test_vae_loss_is_the_negative_elbo_of_one_reparameterized_sample(nb, kind):
    torch.manual_seed(0)
    model = nb.VAE()
    x = torch.rand(16, 784)
    recon, kl = nb.vae_loss(model, x, kind, torch.Generator().manual_seed(3))
    # the same noise, drawn as reparameterize documents: eps ~ N(0, I) from the generator
    eps = torch.randn(16, 2, generator=torch.Generator().manual_seed(3))
    mu, logvar = model.encode(x)
    posterior = Normal(mu, torch.exp(0.5 * logvar))
    probs = torch.sigmoid(model.decoder(mu + eps * posterior.scale))
    if kind == "bce":
        expected_recon = -Bernoulli(probs=probs, validate_args=False).log_prob(x).sum()
    else:
        expected_recon = ((probs - x) ** 2).sum()
    assert torch.allclose(recon, expected_recon, rtol=1e-4)
    assert torch.allclose(kl, kl_divergence(posterior, Normal(0.0, 1.0)).sum(), rtol=1e-4)


def test_unknown_reconstruction_loss_is_rejected(nb):
    with pytest.raises(ValueError, match="bce"):
        nb.reconstruction_loss(torch.zeros(1, 784), torch.zeros(1, 784), "l1")


def test_gradients_reach_every_parameter(nb):
    torch.manual_seed(0)
    model = nb.VAE()
    recon, kl = nb.vae_loss(model, torch.rand(16, 784), "bce")
    assert recon.dtype == kl.dtype == torch.float32
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


def test_tile_lays_each_image_out_in_its_cell_with_a_blank_border(nb):
    """Tile (r, c) fills the centre of cell (r, c) of an even grid, so that drawn with extent
    (0, C, R, 0) its centre is at (c + 0.5, r + 0.5)."""
    images = np.random.default_rng(0).random((2, 3, 28, 28)) + 1  # no pixel is blank
    for gap in (0, 2):
        canvas = nb.tile(images, gap)
        size = 28 + 2 * gap
        assert canvas.shape == (2 * size, 3 * size)
        for r in range(2):
            for c in range(3):
                cell = canvas[r * size:(r + 1) * size, c * size:(c + 1) * size]
                assert np.array_equal(cell[gap:gap + 28, gap:gap + 28], images[r, c])
                assert (cell > 0).sum() == 28 * 28  # the rest of the cell is blank
