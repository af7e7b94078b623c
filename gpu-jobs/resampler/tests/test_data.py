"""Manifests, shard streaming (order, partition, resume skipping) and sample preprocessing."""
import io
import json

import pytest
import torch

from resampler.data import DataError, StreamSpec, make_loader, raw_stream, read_shard, segments_of, skipped_batches
from resampler.manifest import ManifestError, ShardRef, load_manifest, split_heldout
from resampler.preprocess import IGNORE, Preprocessor
from resampler.vlm import image_normalisation, make_processor, VlmSpec
from shards import COLOURS, jpeg, make_pair_shards, write_dataset_manifest, write_mixture_manifest


def keys(samples):
    return [s["__key__"] for s in samples]


def test_dataset_manifest_lists_every_shard_with_its_samples(tmp_path):
    shards = make_pair_shards(tmp_path / "s", 2, 3)
    manifest = write_dataset_manifest(tmp_path / "m.json", shards)
    assert load_manifest(manifest.as_uri()) == [ShardRef(s["uri"], 3) for s in shards]


def test_mixture_manifest_takes_the_first_samples_of_each_shard(tmp_path):
    shards = make_pair_shards(tmp_path / "s", 2, 5)
    manifest = write_mixture_manifest(tmp_path / "m.json", [(shards[0]["uri"], 5, 5), (shards[1]["uri"], 2, 5), (shards[0]["uri"], 0, 5)])
    refs = load_manifest(str(manifest))
    assert refs == [ShardRef(shards[0]["uri"], 5), ShardRef(shards[1]["uri"], 2)]
    assert keys(read_shard(refs[1])) == ["s01-0000", "s01-0001"]


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "is not JSON"),
        ('{"kind": "stats", "shards": []}', 'kind must be "dataset" or "mixture", got \'stats\''),
        ('{"kind": "dataset", "shards": [{"samples": 2}]}', "shards[0]: expected an object with a uri"),
        ('{"kind": "mixture", "shards": [{"uri": "file:///x.tar", "take": -1}]}', "shards[0].take: expected a non-negative integer"),
        ('{"kind": "dataset", "shards": []}', "no samples to train on"),
    ],
)
def test_bad_manifests_fail_with_a_message_naming_the_problem(tmp_path, content, message):
    path = tmp_path / "m.json"
    path.write_text(content)
    with pytest.raises(ManifestError) as e:
        load_manifest(str(path))
    assert message in str(e.value)


def test_a_missing_manifest_names_its_uri(tmp_path):
    with pytest.raises(ManifestError, match=f"cannot read manifest: cannot read file://{tmp_path}/none.json"):
        load_manifest(str(tmp_path / "none.json"))


def test_unreadable_and_missing_shards_raise_data_error(tmp_path):
    (tmp_path / "bad.tar").write_bytes(b"this is not a tar archive" * 40)
    with pytest.raises(DataError, match=f"unreadable shard file://{tmp_path}/bad.tar"):
        list(read_shard(ShardRef(f"file://{tmp_path}/bad.tar", 5)))
    with pytest.raises(DataError, match="unreadable shard .*missing.tar"):
        list(read_shard(ShardRef(f"file://{tmp_path}/missing.tar", 5)))


def test_streams_partition_an_epoch_and_repeat_in_the_same_order(tmp_path):
    refs = [ShardRef(s["uri"], 4) for s in make_pair_shards(tmp_path, 3, 4)]
    for count in (3, 5):  # by shard (one shard each) and by sample (3 shards < 5 streams)
        epoch = []
        for index in range(count):
            stream = raw_stream(refs, seed=1, buffer=3, index=index, count=count)
            per_stream = 4 if count == 3 else len(range(index, 12, count))
            epoch += keys(next(stream) for _ in range(per_stream))
        assert sorted(epoch) == sorted(f"s{s:02d}-{i:04d}" for s in range(3) for i in range(4))
    a = raw_stream(refs, seed=7, buffer=5, index=0, count=1)
    b = raw_stream(refs, seed=7, buffer=5, index=0, count=1)
    assert keys(next(a) for _ in range(30)) == keys(next(b) for _ in range(30))


def test_skipped_batches_counts_each_workers_share():
    assert [skipped_batches(5, w, 2) for w in range(2)] == [3, 2]
    assert [skipped_batches(0, w, 3) for w in range(3)] == [0, 0, 0]
    assert skipped_batches(7, 0, 1) == 7


def processor_for(tiny_models, latents=3, split=False, shortest=32, longest=64):
    from transformers import AutoTokenizer

    perceiver = {"resampler_n_latents": latents}
    spec = VlmSpec(str(tiny_models["vision"]), str(tiny_models["text"]), perceiver, shortest, longest, split)
    return make_processor(AutoTokenizer.from_pretrained(tiny_models["text"]), spec,
                          *image_normalisation(tiny_models["vision"]))


def test_a_loader_started_at_batch_n_yields_what_batch_n_onwards_was(tmp_path, tiny_models):
    pre = Preprocessor(processor_for(tiny_models, latents=2), 32)
    refs = [ShardRef(s["uri"], 6) for s in make_pair_shards(tmp_path, 4, 6)]
    spec = StreamSpec(refs, seed=3, shuffle_buffer=4, batch_size=3, workers=2)
    whole = iter(make_loader(spec, pre, start_batch=0))
    expected = [next(whole)["input_ids"] for _ in range(7)]
    resumed = iter(make_loader(spec, pre, start_batch=3))
    for want in expected[3:]:
        assert torch.equal(next(resumed)["input_ids"], want)


def test_pairs_and_interleaved_documents_become_segments():
    image = jpeg(COLOURS["red"])
    assert segments_of({"__key__": "k", "jpg": image, "txt": b"a red square", "json": b"{}"}) == [("image", image), ("text", "a red square")]
    doc = {"texts": ["intro", None, "outro"], "images": [None, "0.jpg", None]}
    sample = {"__key__": "d", "json": json.dumps(doc).encode(), "0.jpg": image}
    assert segments_of(sample) == [("text", "intro"), ("image", image), ("text", "outro")]
    with pytest.raises(DataError, match="sample x of u: neither an image-text pair, a text-only sample"):
        segments_of({"__key__": "x", "__url__": "u", "jpg": image})


def test_a_pair_is_a_chat_turn_in_the_processors_layout_with_loss_on_the_answer(tiny_models):
    for split, tiles in ((False, 1), (True, 5)):
        processor = processor_for(tiny_models, latents=3, split=split)
        tok = processor.tokenizer
        pre = Preprocessor(processor, 256)
        ex = pre.example([("image", jpeg(COLOURS["blue"], (50, 30))), ("text", "a blue square")])
        text = tok.decode(ex.ids)
        image = "<fake_token_around_image>" + "<image>" * 3
        assert text == ("User:" + image * tiles + "<fake_token_around_image> Describe this image.<end_of_utterance>\n"
                        "Assistant: a blue square<end_of_utterance>\n")
        answer = tok(" a blue square<end_of_utterance>\n", add_special_tokens=False)["input_ids"]
        assert ex.labels == [IGNORE] * (len(ex.ids) - len(answer)) + answer
        assert ex.pixel_values.shape[0] == tiles and ex.pixel_mask.shape[0] == tiles
    batch = pre.collate([ex, pre.example([("text", "short")])])
    assert batch["pixel_values"].shape[:2] == (2, 5)
    assert batch["pixel_attention_mask"][1].sum() == 0  # the text-only sample has padding images only
    assert (batch["input_ids"] == tok.convert_tokens_to_ids("<image>")).sum() == 15
    assert batch["attention_mask"][1].sum() == len(tok("short")["input_ids"]) + 1  # + eos


def test_a_batch_without_images_has_no_pixel_values(tiny_models):
    pre = Preprocessor(processor_for(tiny_models), 64)
    batch = pre.collate([pre.example([("text", "only words")]), pre.example([("text", "and more")])])
    assert "pixel_values" not in batch and batch["labels"].shape == batch["input_ids"].shape


def test_documents_learn_text_tokens_not_image_tokens(tiny_models):
    processor = processor_for(tiny_models, latents=2)
    pre = Preprocessor(processor, 256)
    ex = pre.example([("text", "intro "), ("image", jpeg(COLOURS["red"])), ("text", " outro")])
    image_id = processor.tokenizer.convert_tokens_to_ids("<image>")
    fake_id = processor.tokenizer.convert_tokens_to_ids("<fake_token_around_image>")
    for token, label in zip(ex.ids, ex.labels):
        assert label == (IGNORE if token in (image_id, fake_id) else token)
    assert ex.ids[-1] == processor.tokenizer.eos_token_id


def test_a_long_document_is_cut_before_an_image_it_cannot_hold_whole(tiny_models):
    pre = Preprocessor(processor_for(tiny_models, latents=4), 12)
    ex = pre.example([("text", "a"), ("image", jpeg(COLOURS["red"])), ("text", "b"), ("image", jpeg(COLOURS["blue"])),
                      ("text", "a long tail of words " * 5)])
    image_id = pre.image_id
    assert ex.ids.count(image_id) == 4 and ex.pixel_values.shape[0] == 1 and len(ex.ids) <= 12


@pytest.mark.parametrize("split", [False, True])
def test_collated_pixels_and_masks_equal_idefics2_image_processor(tiny_models, split):
    """Odd sizes, several per sample, one larger than the longest edge: each sample through the
    processor alone, padded together by collate, equals the processor's own batch."""
    from PIL import Image
    from transformers import Idefics2ImageProcessor

    processor = processor_for(tiny_models, split=split, shortest=30, longest=70)
    pre = Preprocessor(processor, 4096)
    sizes = [[(45, 29), (97, 33)], [(31, 77)], [(61, 61), (33, 47), (129, 35)]]
    images = [[jpeg((40 * i % 255, 90, 200 - 30 * j), size) for j, size in enumerate(sample)]
              for i, sample in enumerate(sizes)]
    examples = [pre.example([("image", im) for im in sample] + [("text", "x")]) for sample in images]
    batch = pre.collate(examples)
    reference = Idefics2ImageProcessor(do_image_splitting=split, size={"shortest_edge": 30, "longest_edge": 70},
                                       image_mean=[0.5] * 3, image_std=[0.5] * 3)
    pil = [[Image.open(io.BytesIO(im)).convert("RGB") for im in sample] for sample in images]
    want = reference(pil, return_tensors="pt")
    assert batch["pixel_values"].shape == want["pixel_values"].shape
    torch.testing.assert_close(batch["pixel_values"], want["pixel_values"].float(), rtol=0, atol=1e-6)
    assert torch.equal(batch["pixel_attention_mask"], want["pixel_attention_mask"].long())


def test_heldout_samples_come_out_of_the_last_shard():
    refs = [ShardRef("a", 5), ShardRef("b", 3), ShardRef("a", 2)]
    training, held, start = split_heldout(refs, 2)
    assert held == ShardRef("b", 3) and start == 1
    assert training == [ShardRef("a", 5), ShardRef("b", 1), ShardRef("a", 2)]
    assert split_heldout(refs, 0) == (refs, None, 0)
    assert split_heldout([ShardRef("a", 1)], 4) == ([ShardRef("a", 1)], None, 0)


def test_text_only_samples_become_one_text_segment():
    sample = {"__key__": "t", "__url__": "u", "txt": "User: 2+2?\nAssistant: 4".encode(), "json": b'{"messages": []}'}
    assert segments_of(sample) == [("text", "User: 2+2?\nAssistant: 4")]


def test_a_sample_without_text_is_a_data_error():
    with pytest.raises(DataError, match="neither an image-text pair, a text-only sample"):
        segments_of({"__key__": "k", "__url__": "u", "jpg": b"x"})


def test_vlmflow_documents_name_images_by_position():
    image = jpeg(COLOURS["red"])
    doc = {"texts": ["intro", None], "images": [None, {"url": "https://example.com/a.jpg"}]}
    sample = {"__key__": "d", "json": json.dumps(doc).encode(), "1.jpg": image}
    assert segments_of(sample) == [("text", "intro"), ("image", image)]
    del sample["1.jpg"]
    with pytest.raises(DataError, match="no image part for document position 1"):
        segments_of(sample)


def test_a_stream_resumed_epochs_later_skips_whole_epochs_without_reading_them(tmp_path, monkeypatch):
    import resampler.data as data

    refs = [ShardRef(s["uri"], 4) for s in make_pair_shards(tmp_path, 3, 4)]
    whole = raw_stream(refs, seed=2, buffer=3, index=1, count=2)
    expected = keys(next(whole) for _ in range(40))
    opened = []
    real = data.read_shard
    monkeypatch.setattr(data, "read_shard", lambda shard: (opened.append(shard.uri), real(shard))[1])
    per_epoch = [data.epoch_samples(refs, 2, e, 1, 2) for e in range(3)]
    skip = per_epoch[0] + per_epoch[1] + 1  # two whole epochs and one sample
    resumed = raw_stream(refs, seed=2, buffer=3, index=1, count=2, skip=skip)
    assert keys(next(resumed) for _ in range(40 - skip)) == expected[skip:]
    # The shards opened are epoch 2's and later ones': epochs 0 and 1 were never read.
    later = [s.uri for e in range(2, 60) for s in data._epoch_plan(refs, 2, e, 1, 2)[0]]
    assert opened == later[: len(opened)]


def test_special_tokens_in_data_text_stay_text(tiny_models):
    processor = processor_for(tiny_models, latents=2)
    pre = Preprocessor(processor, 256)
    ex = pre.example([("image", jpeg(COLOURS["red"])), ("text", "an <image> tag and a </s> end")])
    assert ex.ids.count(pre.image_id) == 2 and ex.pixel_values.shape[0] == 1
    assert processor.tokenizer.eos_token_id not in ex.ids
    doc = pre.example([("text", "see <image> here "), ("image", jpeg(COLOURS["blue"])), ("text", "<fake_token_around_image>")])
    assert doc.ids.count(pre.image_id) == 2 and doc.ids.count(pre.fake_id) == 2
