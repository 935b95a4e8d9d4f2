"""``kerafront.ops.image`` on every backend against the NumPy reference: values (and dtypes) of each op,
the VJP of ``resize`` for every interpolation (and of the other differentiable ops), the same results
inside ``ops.compile``, and the same ValueError for bad arguments.

The reference itself is checked against Keras 3 in ``tests/test_image_ops.py``. Tolerances: float32 of
class ``linalg`` (resampling is a matrix product along each axis), gradients x10.
"""

import numpy as np
import pytest

import kerafront

from conformance_tests import harness, tolerances

RNG = np.random.default_rng(15)
IMAGES = RNG.standard_normal((2, 5, 6, 3)).astype("float32")
IMAGES_CF = RNG.standard_normal((2, 3, 7, 4)).astype("float32")
UNBATCHED = RNG.standard_normal((4, 6, 3)).astype("float32")
COLORS = RNG.random((2, 4, 5, 3)).astype("float32")
UINT8 = RNG.integers(0, 256, (2, 5, 6, 3)).astype("uint8")
AFFINE = np.array([[0.77, -0.64, 1.31, 0.64, 0.77, -0.62, 0, 0],  # a rotation; a shear-zoom
                   [1.21, 0.13, -0.77, -0.19, 0.93, 1.11, 0, 0]], "float32")

# id -> (op name, images, kwargs, differentiable)
CASES = {
    "resize_bilinear_up": ("resize", IMAGES, dict(size=(8, 9)), True),
    "resize_bilinear_down_antialias": ("resize", IMAGES, dict(size=(3, 2), antialias=True), True),
    "resize_nearest": ("resize", IMAGES, dict(size=(7, 4), interpolation="nearest"), True),
    "resize_bicubic": ("resize", IMAGES, dict(size=(9, 4), interpolation="bicubic"), True),
    "resize_bicubic_antialias_channels_first": ("resize", IMAGES_CF, dict(size=(3, 3), interpolation="bicubic",
                                                                         antialias=True,
                                                                         data_format="channels_first"), True),
    "resize_area": ("resize", IMAGES, dict(size=(3, 4), interpolation="area"), True),
    "resize_area_up": ("resize", IMAGES, dict(size=(7, 11), interpolation="area"), True),
    "resize_lanczos3": ("resize", IMAGES, dict(size=(4, 8), interpolation="lanczos3"), True),
    "resize_lanczos5_antialias": ("resize", IMAGES, dict(size=(2, 3), interpolation="lanczos5", antialias=True), True),
    "resize_crop_to_aspect_ratio": ("resize", IMAGES, dict(size=(4, 4), crop_to_aspect_ratio=True), True),
    "resize_pad_to_aspect_ratio": ("resize", IMAGES, dict(size=(3, 7), pad_to_aspect_ratio=True, fill_value=0.5),
                                   True),
    "resize_unbatched": ("resize", UNBATCHED, dict(size=(6, 4), interpolation="bicubic"), True),
    "resize_uint8": ("resize", UINT8, dict(size=(7, 4)), False),
    "resize_uint8_nearest": ("resize", UINT8, dict(size=(7, 4), interpolation="nearest"), False),
    "crop_images": ("crop_images", IMAGES, dict(top_cropping=1, left_cropping=2, target_height=3, target_width=2),
                    True),
    "pad_images_channels_first": ("pad_images", IMAGES_CF, dict(top_padding=1, bottom_padding=2, left_padding=0,
                                                                 target_width=6, data_format="channels_first"), True),
    "rgb_to_grayscale": ("rgb_to_grayscale", COLORS, {}, True),
    "rgb_to_grayscale_uint8": ("rgb_to_grayscale", UINT8, {}, False),
    "rgb_to_hsv": ("rgb_to_hsv", COLORS, {}, True),
    "hsv_to_rgb": ("hsv_to_rgb", COLORS, {}, True),
    "affine_transform_bilinear_reflect": ("affine_transform", IMAGES, dict(transform=AFFINE, fill_mode="reflect"),
                                          True),
    "affine_transform_nearest_constant_channels_first": ("affine_transform", IMAGES_CF, dict(
        transform=AFFINE[1], interpolation="nearest", fill_value=0.5, data_format="channels_first"), True),
    "affine_transform_mirror_unbatched": ("affine_transform", UNBATCHED, dict(transform=AFFINE[0], fill_mode="mirror"),
                                          True),
    "affine_transform_wrap_uint8": ("affine_transform", UINT8, dict(transform=AFFINE, fill_mode="wrap"), False),
    "gaussian_blur": ("gaussian_blur", IMAGES, dict(kernel_size=(5, 3), sigma=(0.8, 1.7)), True),
    "gaussian_blur_channels_first_unbatched": ("gaussian_blur", UNBATCHED.transpose(2, 0, 1), dict(
        kernel_size=3, sigma=0.6, data_format="channels_first"), True),
    "gaussian_blur_uint8": ("gaussian_blur", UINT8, {}, False),
    "sobel_edges": ("sobel_edges", IMAGES, {}, True),
    "sobel_edges_channels_first": ("sobel_edges", IMAGES_CF, dict(data_format="channels_first"), True),
    "ssim": ("ssim", COLORS, dict(image2=COLORS[::-1], filter_size=3, filter_sigma=1.0), True),
    "extract_patches": ("extract_patches", IMAGES, dict(size=(2, 3)), True),
    "extract_patches_same_strided_channels_first": ("extract_patches", IMAGES_CF, dict(
        size=3, strides=(2, 1), padding="same", data_format="channels_first"), True),
    "extract_patches_3d": ("extract_patches_3d", RNG.standard_normal((2, 4, 5, 4, 2)).astype("float32"), dict(
        size=(2, 2, 3), strides=1), True),
    "map_coordinates_linear_reflect": ("map_coordinates", UNBATCHED, dict(
        coordinates=RNG.uniform(-3, 8, (3, 5, 4)).astype("float32"), order=1, fill_mode="reflect"), True),
    "map_coordinates_nearest_constant": ("map_coordinates", UNBATCHED, dict(
        coordinates=RNG.uniform(-3, 8, (3, 7)).astype("float32"), order=0, fill_value=0.5), True),
    "perspective_transform": ("perspective_transform", IMAGES, dict(
        start_points=np.array([[[0, 0], [5, 0], [0, 4], [5, 4]]] * 2, "float32"),
        end_points=np.array([[[0.3, -0.2], [5.4, 0.5], [-0.6, 3.1], [4.2, 4.8]],
                             [[0.0, 0.0], [6.1, -0.4], [0.5, 4.2], [5.5, 3.3]]], "float32")), True),
    "map_coordinates_linear_mirror_uint8": ("map_coordinates", UINT8[0], dict(
        coordinates=RNG.uniform(-3, 8, (3, 6)).astype("float32"), order=1, fill_mode="mirror"), False),
    "scale_and_translate_linear": ("scale_and_translate", IMAGES, dict(
        output_shape=(2, 8, 4, 3), scale=np.array([1.6, 0.7], "float32"), translation=np.array([-0.4, 0.3], "float32"),
        spatial_dims=(1, 2), method="linear"), True),
    "scale_and_translate_lanczos3_no_antialias": ("scale_and_translate", IMAGES_CF, dict(
        output_shape=(2, 3, 4, 9), scale=np.array([0.5, 1.3], "float32"), translation=np.array([0.2, -1.1], "float32"),
        spatial_dims=(2, 3), method="lanczos3", antialias=False), True),
    "scale_and_translate_cubic_uint8": ("scale_and_translate", UINT8, dict(
        output_shape=(2, 7, 3, 3), scale=[1.4, 0.5], translation=[0.0, 0.25], spatial_dims=(1, 2),
        method="bicubic"), False),
}
_reference = {}


def _run(backend, case_id, compiled=False):
    """``(outputs, input gradient of sum(outputs * cotangent) or None)`` of a case on ``backend``."""
    name, images, kwargs, differentiable = CASES[case_id]
    with kerafront.backend_scope(backend):
        ops = kerafront.ops
        op = getattr(ops.image, name)

        def forward(x):
            return op(x, **kwargs)

        if compiled:
            return ops.convert_to_numpy(ops.compile(forward)(ops.convert_to_tensor(images))), None
        out = forward(ops.convert_to_tensor(images))
        if not differentiable:
            return ops.convert_to_numpy(out), None
        cotangent = np.random.default_rng(1).standard_normal(tuple(ops.shape(out))).astype("float32")

        def loss(x):
            return ops.sum(ops.multiply(forward(x), ops.convert_to_tensor(cotangent)))

        grad = ops.grad(loss)(ops.convert_to_tensor(images))
        return ops.convert_to_numpy(out), ops.convert_to_numpy(grad)


def _reference_of(case_id):
    if case_id not in _reference:
        _reference[case_id] = _run(harness.REFERENCE, case_id)
    return _reference[case_id]


def _check(backend, what, actual, expected, vjp=False):
    assert actual.dtype == expected.dtype, f"{what} on {backend}: dtype {actual.dtype}, reference {expected.dtype}"
    rtol, atol = tolerances.tolerance(str(expected.dtype), "linalg", vjp=vjp)
    if expected.dtype.kind in "iu":  # rounded after resampling: a value on a .5 boundary may round either way
        rtol, atol = 0.0, 1.0
    reason = tolerances.mismatch(actual, expected, rtol, atol)
    max_abs, max_rel = tolerances.errors(actual, expected)
    harness.RECORDS.append(("image_vjp" if vjp else "image", backend, str(expected.dtype), max_abs, max_rel,
                            reason is None))
    assert reason is None, f"{what} on {backend}: {reason}"


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_image_op_matches_reference(other_backend, case_id):
    ref_out, ref_grad = _reference_of(case_id)
    out, grad = _run(other_backend, case_id)
    _check(other_backend, f"{case_id} outputs", out, ref_out)
    if ref_grad is not None:
        _check(other_backend, f"{case_id} input gradient", grad, ref_grad, vjp=True)


@pytest.mark.parametrize("case_id", ["resize_bicubic", "resize_area", "resize_nearest", "resize_pad_to_aspect_ratio",
                                     "rgb_to_hsv", "gaussian_blur", "sobel_edges", "ssim", "extract_patches",
                                     "map_coordinates_linear_reflect"])
def test_image_op_compiles(backend, case_id):
    out, _ = _run(backend, case_id, compiled=True)
    _check(backend, f"{case_id} compiled outputs", out, _reference_of(case_id)[0])


def test_resize_reference_gradient_is_the_transposed_map(reference_backend):
    """The VJP of a linear map is its transpose: <resize(x), c> == <x, grad> for any x, c."""
    out, grad = _reference_of("resize_lanczos5_antialias")
    cotangent = np.random.default_rng(1).standard_normal(out.shape)
    np.testing.assert_allclose(np.sum(out * cotangent), np.sum(IMAGES * grad), rtol=1e-4)


@pytest.mark.parametrize("op, kwargs, match", [
    ("resize", dict(size=(3, 3), interpolation="cubic"), "resize: interpolation must be one of"),
    ("resize", dict(size=(3, -1)), "resize: size must be two positive integers"),
    ("crop_images", dict(top_cropping=4, target_height=3, left_cropping=0, target_width=2), "does not fit"),
    ("rgb_to_hsv", {}, "rgb_to_hsv: images must have a float dtype"),
    ("affine_transform", dict(transform=AFFINE, fill_mode="edge"), "affine_transform: fill_mode must be one of"),
    ("scale_and_translate", dict(output_shape=(2, 3, 3, 3), scale=[1.0, 1.0], translation=[0.0, 0.0],
                                 spatial_dims=(1, 2), method="nearest"), "scale_and_translate: method must be one of"),
])
def test_same_error_on_every_backend(backend, op, kwargs, match):
    with kerafront.backend_scope(backend):
        images = kerafront.ops.convert_to_tensor(UINT8)
        with pytest.raises(ValueError, match=match):
            getattr(kerafront.ops.image, op)(images, **kwargs)
