"""The playground's frames: a run and everything the page shows of it, sent in one reply.

Each request that changes the run (a tick of play, a step, a reset, a change of
settings, a weight typed in) answers with one *frame*: the new run, the
figures, the statistics line, the histograms. A frame is computed from one
forward pass over the grid (:func:`chainrule.app.playground_views.grid_maps`):
the output image and every neuron's map come from it. A frame of play carries
only what a step changes (the images, the colour bar's range, now and then the
values the pointer reads), as Plotly updates of the figure on the page, named
by the key of what the rest of the figure depends on.

The browser takes a frame with :data:`MERGE`, a client-side function, so that
edits win over play: the run in the page carries a ``version``; a frame of play
names the version it was computed from (``base``) and is dropped if the run has
changed since (an edit or a reset arrived first); a frame from the learner's
own action (``force``) is always taken. Play, the learner's actions and edits
each write their own store (``pg-frame-tick``, ``pg-frame-act``,
``pg-frame-edit``), so that no frame overwrites another before it is read.
While playing, every frame asks for the next tick (``pg-tick``), so ticks never
overlap.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.app import playground_state as S  # noqa: N812
from chainrule.app import playground_views as V  # noqa: N812
from chainrule.app.playground_figures import boundary_figure, boundary_image, loss_figure
from chainrule.models import MLP
from chainrule.models.mlp_layers import layer_histograms

HISTOGRAM_BINS = 30


def version(run: Any) -> int:
    """The version of the run in the page (0 before the first)."""
    v = run.get("version") if isinstance(run, dict) else None
    return v if isinstance(v, int) and not isinstance(v, bool) else 0


def node_of(model: MLP, stored: Any) -> tuple[int, int]:
    """The stored (layer, unit) if the network has it, else the output node."""
    if isinstance(stored, list) and len(stored) == 2 and all(isinstance(v, int) for v in stored):
        layer, unit = stored
        if 0 <= layer <= model.depth and 0 <= unit < model.layer_sizes[layer]:
            return layer, unit
    return model.depth, 0


def stats(config: S.PlayConfig, model: MLP, data: S.Split, run: dict[str, Any]) -> str:
    """The line over the figures: epoch, step, losses and (classification) accuracies."""
    line = (
        f"epoch {run['epoch']}, step {run['step']} · train loss {run['train'][-1]:.4f}, "
        f"test loss {run['test'][-1]:.4f}"
    )
    if config.task != "regression":
        line += (
            f" · train accuracy {S.accuracy(model, data, data.train):.1%}, test accuracy "
            f"{S.accuracy(model, data, data.test):.1%}"
        )
    return line


def histograms(model: MLP, data: S.Split) -> str:
    """The per-layer histograms of the training set as an image, or why there are none."""
    y = S.targets(data.labels)
    try:
        with np.errstate(all="ignore"):
            counted = layer_histograms(
                model, data.X[:, data.train], y[:, data.train], HISTOGRAM_BINS
            )
        return V.histogram_image(*counted)
    except ValueError as e:
        return V.message_image(f"No histograms: {e}")


def frame(
    config: S.PlayConfig,
    run: dict[str, Any],
    node: Any,
    *,
    base: int,
    force: bool,
    full: bool = True,
    refresh: bool = True,
    before: Any = None,
) -> dict[str, Any]:
    """The frame of ``run`` (JSON data): ``base`` the version of the run it was computed
    from, ``force`` whether it wins over a newer run; ``full`` sends whole figures,
    otherwise patches of the figures a frame of the same key put on the page: the
    images, the colour bar's range, the loss curves (``before`` the run the page shows)
    and, with ``refresh``, what the pointer reads (the weights' hover text, the enlarged
    node's values) and the histograms. Raises ValueError for a run that does not belong
    to ``config``."""
    model, _, _ = S.restore(config, run)
    data = S.split(config)
    maps = V.grid_maps(config, model)
    current = node_of(model, node)
    key = config.network_key()
    y_hat = maps.layers[-1]
    net = V.network_figure(config, model, maps)
    boundary: dict[str, Any]
    network: dict[str, Any]
    neuron: dict[str, Any]
    if full:
        boundary = {"figure": boundary_figure(config, y_hat)}
        network = {"figure": net}
        neuron = {"figure": V.neuron_figure(config, model, maps, current)}
    else:
        image = boundary_image(config, y_hat)
        boundary = {"key": key, "updates": [[{}, {"images[0].source": image}, []]]}
        images = enumerate(net["layout"]["images"])
        sources = {f"images[{i}].source": im["source"] for i, im in images}
        hover = {"hovertext": [net["data"][0]["hovertext"]]} if refresh else {}
        network = {"key": key, "updates": [[hover, sources, [0]]]}
        source, low, high = V.neuron_image(model, maps, current)
        bar = {"marker.cmin": [low], "marker.cmax": [high], "marker.color": [[low, high]]}
        updates = [[bar, {"images[0].source": source}, [1]]]
        if refresh:
            updates.append([{"z": [V.neuron_values(maps, current)]}, {}, [0]])
        neuron = {"key": V.neuron_key(config, current), "updates": updates}
    return {
        "base": base,
        "force": force,
        "run": run,
        "boundary": boundary,
        "loss": loss_part(run, full, before),
        "net": network,
        "neuron": neuron,
        "stats": stats(config, model, data, run),
        "hist": histograms(model, data) if full or refresh else None,
        "node": list(current),
    }


def loss_part(run: dict[str, Any], full: bool, before: Any) -> dict[str, Any]:
    """The loss figure of a frame: whole, or the update of its curves when the figure on
    the page, that of the run ``before``, already has curves (the empty figure before the
    first step has none)."""
    figure = loss_figure(run)
    steps = before.get("steps") if isinstance(before, dict) else None
    if full or not figure["data"] or not steps or max(steps) == 0:
        return {"figure": figure}
    layout = figure["layout"]
    update = {"images[0].source": layout["images"][0]["source"]}
    update.update({f"{a}.range": layout[a]["range"] for a in ("xaxis", "yaxis")})
    return {"key": layout["meta"]["key"], "updates": [[{}, update, []]]}


MERGE = """
function (ticked, acted, edited, run, tick, playing, label, stopped, node, boundary, loss, net,
          neuron) {
    const C = window.dash_clientside, skip = C.no_update;
    // each source writes its own store, so that two frames that arrive together are both
    // read: play's first, then the learner's, which win
    const fired = (C.callback_context.triggered || []).map(t => t.prop_id.split('.')[0]);
    const frames = [['pg-frame-tick', ticked], ['pg-frame-act', acted], ['pg-frame-edit', edited]]
        .filter(([id, f]) => f && fired.includes(id)).map(([, f]) => f);
    const same = (a, b) => a === b || (Array.isArray(a) && Array.isArray(b) &&
        a.length === b.length && a.length <= 2 && a.every((v, i) => v === b[i]));
    const changed = (now, value) => same(now, value) ? skip : value;
    // A frame of play's figure updates wait for the next animation frame, so that the
    // next tick's request (sent as soon as this returns) runs on the server while the
    // browser draws; a later frame's updates supersede those not drawn yet.
    const queue = window.pgQueue = window.pgQueue || {};
    const flush = () => {
        window.pgFlush = 0;
        for (const [id, [key, todo]] of Object.entries(queue)) {
            delete queue[id];
            const gd = document.querySelector('#' + id + ' .js-plotly-plot');
            const meta = gd && gd.layout && gd.layout.meta;
            if (!gd || !gd.data || !meta || meta.key !== key) { continue; }  // drawn anew
            const at = (o, k) => k.split('.').reduce((v, p) => v == null ? v : v[p], o);
            for (const [data, layout, traces] of Object.values(todo)) {
                const fresh = Object.keys(data).filter(
                    k => !same(at(gd.data[traces[0]], k), data[k][0]));
                const moved = Object.keys(layout).filter(k => !same(at(gd.layout, k), layout[k]));
                if (fresh.length || moved.length) {
                    // Plotly.update, not relayout or restyle: the graph does not copy the
                    // change back into its figure (and redraw all of it) as for those two
                    const pick = (o, ks) => Object.fromEntries(ks.map(k => [k, o[k]]));
                    window.Plotly.update(gd, pick(data, fresh), pick(layout, moved), traces);
                }
            }
        }
    };
    const draw = (id, shown, part) => {
        const meta = shown && shown.layout && shown.layout.meta;
        if (!part.updates || !meta || meta.key !== part.key) {
            delete queue[id];
            return part.figure || skip;
        }
        if (!queue[id] || queue[id][0] !== part.key) { queue[id] = [part.key, {}]; }
        const todo = queue[id][1];
        part.updates.forEach(([data, layout, traces], i) => {
            const [d, l] = todo[i] || [{}, {}];
            todo[i] = [Object.assign(d, data), Object.assign(l, layout), traces];
        });
        if (!window.pgFlush) { window.pgFlush = window.requestAnimationFrame(flush); }
        return skip;
    };
    let version = (run && Number.isInteger(run.version)) ? run.version : 0;
    let play = Boolean(playing), taken = null;
    let out = Array(8).fill(skip);
    for (const frame of frames) {
        if (frame.force && typeof frame.playing === 'boolean') { play = frame.playing; }
        if (!frame.run || !(frame.force || frame.base === version)) { continue; }
        taken = frame.run;
        version += 1;
        if (taken.stopped) { play = false; }
        const later = [draw('pg-boundary', boundary, frame.boundary),
            draw('pg-loss', loss, frame.loss), frame.stats, changed(stopped, taken.stopped),
            draw('pg-net', net, frame.net), frame.hist || skip,
            draw('pg-neuron', neuron, frame.neuron),
            frame.force ? changed(node, frame.node) : skip];  // play keeps the node hovered
        out = later.map((v, i) => v === skip ? out[i] : v);
    }
    // the run first, then the next tick: its request goes out with this run
    if (taken) { C.set_props('pg-run', {data: Object.assign({}, taken, {version})}); }
    if (frames.length && play) { C.set_props('pg-tick', {data: (tick || 0) + 1}); }
    const text = play ? '\\u275a\\u275a pause' : '\\u25b6 play';
    return [changed(Boolean(playing), play), changed(label, text), ...out];
}
"""
"""The browser's side: (the frames of play, of the learner's actions and of edits, pg-run,
pg-tick, pg-playing, the play button's label, pg-stopped, pg-node, the four figures on
the page) to (pg-playing, the play button's label, pg-boundary, pg-loss, pg-stats,
pg-stopped, pg-net, pg-hist, pg-neuron, pg-node); it sets pg-run, then, while
playing, pg-tick for the next tick. A whole figure goes to the graph's ``figure``; a
frame of play's updates go to Plotly.update on the figure drawn (the cheapest redraw
Plotly has: no diff of the whole figure), updates that would change nothing left out."""
