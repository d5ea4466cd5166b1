"""Lookup tables of a cimchar HDF5 file as labelled xarray Datasets.

A LUT group is an HDF5 group under `/lut` that holds datasets. Groups written through cimchar's
typed records (src/lut: every /lut group of the stages) carry HDF5 dimension
scales, and xarray opens them directly (h5netcdf engine); their scalar figures are attributes of
the Dataset (unit of `x` in `x_units`). Older tables (and files of older cimchars) name their axes in an `axes` attribute (on the group or the dataset,
comma-separated, slowest first) whose coordinate datasets may live in the group or elsewhere in
the file (e.g. older irdrop files' `size` axis is `/irdrop/sizes`); they are assembled here from h5py. Every
variable and coordinate keeps its `units` attribute, which pint parses (see `quantity`)."""
import h5py
import numpy as np
import xarray as xr

__all__ = ["lut_groups", "open_lut", "quantity"]


def lut_groups(path):
    """The LUT groups of a file: paths of the groups under /lut that hold datasets."""
    out = []
    with h5py.File(path, "r") as f:
        if "lut" not in f:
            return out

        def visit(name, obj):
            if isinstance(obj, h5py.Group) and any(isinstance(v, h5py.Dataset) for v in obj.values()):
                out.append("/lut/" + name)
        f["lut"].visititems(visit)
    return sorted(out)


def _text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def _has_scales(group):
    return any("DIMENSION_LIST" in d.attrs for d in group.values() if isinstance(d, h5py.Dataset))


def _find_coordinate(f, group, name, length):
    """The 1-D dataset that is axis `name` of length `length`: in the group, else anywhere in
    the file under that name or its plural."""
    for g in (group.name, group.parent.name):
        for cand in (name, name + "s", name + "es"):
            p = (g.rstrip("/") + "/" + cand)
            if p in f and isinstance(f[p], h5py.Dataset) and f[p].shape == (length,):
                return f[p]
    hits = []

    def visit(n, obj):
        if isinstance(obj, h5py.Dataset) and obj.shape == (length,) and \
                n.split("/")[-1] in (name, name + "s", name + "es"):
            hits.append(obj)
    f.visititems(visit)
    return hits[0] if hits else None


def _axes_by_length(group, name, shape):
    """Axis names for a dataset without an `axes` attribute: for each of its lengths, the one
    1-D dataset of the group with that length ([] when that is not unique)."""
    axes = []
    for n in shape:
        c = [k for k, v in group.items() if k != name and isinstance(v, h5py.Dataset) and v.shape == (n,)]
        if len(c) != 1 or c[0] in axes:
            return []
        axes.append(c[0])
    return axes


def _value(ds):
    v = ds[()]
    if ds.dtype.kind in "OS":
        v = np.array([_text(x) for x in np.atleast_1d(v)]) if np.ndim(v) else _text(v)
    return v


def _dims_of(group, name, ds, g_axes):
    """The dimension names of dataset `name`: its own `axes` attribute; else the group's when the
    lengths agree; else, for a 1-D dataset, its own name (a coordinate); else the group's 1-D
    datasets of matching lengths; else `<name>_dim<i>`."""
    axes = [a for a in _text(ds.attrs.get("axes", "")).split(",") if a]
    if len(axes) == ds.ndim:
        return axes
    if len(g_axes) == ds.ndim and all(
            a not in group or group[a].shape == (n,) for a, n in zip(g_axes, ds.shape)):
        return g_axes
    if ds.ndim == 1:
        return [name]
    return _axes_by_length(group, name, ds.shape) or ["%s_dim%d" % (name, i) for i in range(ds.ndim)]


def _attrs(obj, skip=("axes",)):
    return {k: _text(v) if isinstance(v, (bytes, str)) else v for k, v in obj.attrs.items()
            if k not in skip and not k.startswith("DIMENSION") and k != "CLASS"}


def _assemble(f, group):
    """A Dataset from a group whose axes are named by `axes` attributes (or inferable)."""
    g_axes = [a for a in _text(group.attrs.get("axes", "")).split(",") if a]
    data_vars, coords = {}, {}
    for name, ds in group.items():
        if not isinstance(ds, h5py.Dataset):
            continue
        if ds.shape == (1,) and name not in g_axes:  # a statistic written as [1]: a scalar
            data_vars[name] = xr.Variable((), _value(ds)[0], _attrs(ds))
            continue
        data_vars[name] = xr.Variable(_dims_of(group, name, ds, g_axes), _value(ds), _attrs(ds))
    for name in list(data_vars):
        if data_vars[name].dims == (name,):
            coords[name] = data_vars.pop(name)
    for var in list(data_vars.values()):
        for dim, n in zip(var.dims, var.shape):
            if dim in coords or "_dim" in dim:
                continue
            c = _find_coordinate(f, group, dim, n)
            if c is not None:
                coords[dim] = xr.Variable((dim,), _value(c), {"units": _text(c.attrs.get("units", "1")),
                                                              "source": c.name})
    return xr.Dataset(data_vars, coords=coords, attrs=_attrs(group))


def open_lut(path, group):
    """The LUT `group` (e.g. "/lut/threshold") of the file `path` as an xarray Dataset with named
    dimensions, coordinates and units. Raises KeyError naming the file and group if absent."""
    with h5py.File(path, "r") as f:
        if group not in f or not isinstance(f[group], h5py.Group):
            raise KeyError("%s: no LUT group %s (has: %s)" % (path, group, ", ".join(lut_groups(path))))
        if _has_scales(f[group]):
            scaled = True
        else:
            return _assemble(f, f[group])
    if scaled:
        return xr.open_dataset(path, group=group, engine="h5netcdf").load()


def quantity(da):
    """A DataArray's values as a pint Quantity in its `units` (pint's default registry)."""
    import pint
    ureg = quantity.registry = getattr(quantity, "registry", None) or pint.UnitRegistry()
    return ureg.Quantity(np.asarray(da.values), da.attrs.get("units", "1"))
