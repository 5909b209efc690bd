"""Deep nets: initialisation variances and the vanishing gradient of a sigmoid chain."""

from __future__ import annotations

from mlfund._validation import check_count

__all__ = ["xavier_variance", "he_variance", "sigmoid_chain_gradient_bound"]


def xavier_variance(n_in: int, n_out: int) -> float:
    """Xavier/Glorot initialisation variance: Var(W) = 2 / (n_in + n_out).

    For a linear (or tanh near 0) layer, Var(output) = n_in·Var(W)·Var(input) and
    Var(back-propagated gradient) = n_out·Var(W)·Var(gradient); 2/(n_in + n_out) is the
    compromise that keeps both close to unchanged. (A uniform U(−r, r) has this variance
    for r = √(6/(n_in + n_out)).)

    Parameters
    ----------
    n_in, n_out : int
        Fan-in and fan-out of the layer, >= 1.

    Returns
    -------
    float
        2 / (n_in + n_out).

    Examples
    --------
    >>> from mlfund.optimization import xavier_variance
    >>> xavier_variance(300, 100)
    0.005
    """
    a = check_count("n_in", n_in, minimum=1)
    b = check_count("n_out", n_out, minimum=1)
    return 2.0 / (a + b)


def he_variance(n_in: int) -> float:
    """He (Kaiming) initialisation variance for ReLU layers: Var(W) = 2 / n_in.

    A ReLU zeroes half of its inputs, halving the second moment; the factor 2 makes up for
    it so that activations keep their scale through depth.

    Parameters
    ----------
    n_in : int
        Fan-in of the layer, >= 1.

    Returns
    -------
    float
        2 / n_in.

    Examples
    --------
    >>> from mlfund.optimization import he_variance
    >>> he_variance(512)
    0.00390625
    """
    return 2.0 / check_count("n_in", n_in, minimum=1)


def sigmoid_chain_gradient_bound(n_layers: int) -> float:
    """The bound 0.25^L on the product of L sigmoid derivatives: the vanishing gradient.

    Back-propagating through L sigmoid units multiplies the gradient by σ'(z₁)···σ'(z_L),
    each at most 1/4 (at z = 0), so by at most 0.25^L (times the weights). ReLU's
    derivative is 1 on active units, which is why it does not shrink the gradient this way.

    Parameters
    ----------
    n_layers : int
        L >= 0.

    Returns
    -------
    float
        0.25 ** L.

    Examples
    --------
    Ten sigmoid layers shrink the gradient by a factor of about a million:

    >>> from mlfund.optimization import sigmoid_chain_gradient_bound
    >>> sigmoid_chain_gradient_bound(10)
    9.5367431640625e-07
    """
    return 0.25 ** check_count("n_layers", n_layers)
