#include "segments.h"

#include "box_writer.h"

#include <cstdio>

namespace camgate::isobmff {

namespace {

constexpr uint32_t kMovieTimescale = 1000;

void
write_brands (BoxWriter & w, const std::vector<TrackConfig> & tracks)
{
  w.fourcc ("cmf2");
  w.u32 (0);
  w.fourcc ("iso6");
  w.fourcc ("cmfc");
  w.fourcc ("cmf2");
  for (const auto & t : tracks) {
    // CMAF media profile brands, by codec (the coarse ones: no level checks).
    if (t.codec == Codec::AAC)
      w.fourcc ("caac");
    else if (t.codec == Codec::Opus)
      w.fourcc ("opus");
  }
}

void
write_matrix (BoxWriter & w)
{
  const uint32_t unity[9] = { 0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0,
    0x40000000 };
  for (uint32_t v : unity)
    w.u32 (v);
}

// AAC's esds: ES_Descriptor { DecoderConfigDescriptor { DecoderSpecificInfo
// (the AudioSpecificConfig) }, SLConfigDescriptor }.
void
write_esds (BoxWriter & w, const TrackConfig & t)
{
  auto descriptor = [&](uint8_t tag, size_t size) {
    w.u8 (tag);
    // 4-byte size form, as most writers do: always decodable.
    w.u8 (0x80 | ((size >> 21) & 0x7f));
    w.u8 (0x80 | ((size >> 14) & 0x7f));
    w.u8 (0x80 | ((size >> 7) & 0x7f));
    w.u8 (size & 0x7f);
  };
  const size_t dsi = t.decoder_config.size ();
  const size_t dcd = 13 + 5 + dsi;
  const size_t sl = 1;
  w.full_box ("esds", 0, 0, [&] {
        descriptor (0x03, 3 + 5 + dcd + 5 + sl);
        w.u16 (0);                 // ES_ID
        w.u8 (0);                  // no dependency, URL or OCR
        descriptor (0x04, dcd);
        w.u8 (0x40);               // Audio ISO/IEC 14496-3
        w.u8 (0x15);               // AudioStream, upstream 0, reserved 1
        w.u24 (0);                 // bufferSizeDB
        w.u32 (0);                 // maxBitrate
        w.u32 (0);                 // avgBitrate
        descriptor (0x05, dsi);
        w.bytes (t.decoder_config);
        descriptor (0x06, sl);
        w.u8 (0x02);               // predefined: MP4
      });
}

void
write_sample_entry (BoxWriter & w, const TrackConfig & t)
{
  auto visual = [&](const char *type, const char *config_box) {
    w.box (type, [&] {
          w.zeros (6);
          w.u16 (1);               // data_reference_index
          w.zeros (16);            // pre_defined, reserved
          w.u16 (t.width);
          w.u16 (t.height);
          w.u32 (0x00480000);      // 72 dpi
          w.u32 (0x00480000);
          w.u32 (0);
          w.u16 (1);               // frame_count
          w.zeros (32);            // compressorname
          w.u16 (0x0018);          // depth
          w.i16 (-1);
          w.box (config_box, [&] { w.bytes (t.decoder_config); });
        });
  };
  auto audio = [&](const char *type, uint32_t rate,
      const std::function<void ()> & config) {
    w.box (type, [&] {
          w.zeros (6);
          w.u16 (1);
          w.zeros (8);
          w.u16 (t.channels);
          w.u16 (16);              // samplesize
          w.u16 (0);
          w.u16 (0);
          w.u32 (rate << 16);
          config ();
        });
  };
  switch (t.codec) {
    case Codec::H264:
      visual ("avc1", "avcC");
      break;
    case Codec::H265:
      visual ("hvc1", "hvcC");
      break;
    case Codec::AAC:
      audio ("mp4a", t.sample_rate, [&] { write_esds (w, t); });
      break;
    case Codec::Opus:
      audio ("Opus", 48000, [&] {
            w.box ("dOps", [&] {
                  w.u8 (0);        // version
                  w.u8 (static_cast<uint8_t> (t.channels));
                  w.u16 (t.opus_pre_skip);
                  w.u32 (t.sample_rate ? t.sample_rate : 48000);
                  w.i16 (0);       // output gain
                  w.u8 (0);        // channel mapping family
                });
          });
      break;
    case Codec::PCMA:
    case Codec::PCMU:
      break;                       // not CMAF: the packager transcodes G.711
  }
}

void
write_trak (BoxWriter & w, const TrackConfig & t)
{
  w.box ("trak", [&] {
        w.full_box ("tkhd", 0, 0x000003, [&] {
              w.u32 (0);           // creation, modification time
              w.u32 (0);
              w.u32 (t.track_id);
              w.u32 (0);
              w.u32 (0);           // duration: live, unknown
              w.zeros (8);
              w.u16 (0);           // layer
              w.u16 (t.is_video () ? 0 : 1);   // alternate group
              w.u16 (t.is_video () ? 0 : 0x0100);  // volume
              w.u16 (0);
              write_matrix (w);
              w.u32 (static_cast<uint32_t> (t.width) << 16);
              w.u32 (static_cast<uint32_t> (t.height) << 16);
            });
        w.box ("mdia", [&] {
              w.full_box ("mdhd", 0, 0, [&] {
                    w.u32 (0);
                    w.u32 (0);
                    w.u32 (t.timescale);
                    w.u32 (0);
                    w.u16 (0x55c4);  // language "und"
                    w.u16 (0);
                  });
              w.full_box ("hdlr", 0, 0, [&] {
                    w.u32 (0);
                    w.fourcc (t.is_video () ? "vide" : "soun");
                    w.zeros (12);
                    const char *name = t.is_video () ? "camgate video"
                        : "camgate audio";
                    w.bytes (reinterpret_cast<const uint8_t *> (name),
                        std::char_traits<char>::length (name) + 1);
                  });
              w.box ("minf", [&] {
                    if (t.is_video ())
                      w.full_box ("vmhd", 0, 1, [&] { w.zeros (8); });
                    else
                      w.full_box ("smhd", 0, 0, [&] { w.u32 (0); });
                    w.box ("dinf", [&] {
                          w.full_box ("dref", 0, 0, [&] {
                                w.u32 (1);
                                w.full_box ("url ", 0, 1, [] {});
                              });
                        });
                    w.box ("stbl", [&] {
                          w.full_box ("stsd", 0, 0, [&] {
                                w.u32 (1);
                                write_sample_entry (w, t);
                              });
                          w.full_box ("stts", 0, 0, [&] { w.u32 (0); });
                          w.full_box ("stsc", 0, 0, [&] { w.u32 (0); });
                          w.full_box ("stsz", 0, 0, [&] { w.u32 (0);
                                w.u32 (0); });
                          w.full_box ("stco", 0, 0, [&] { w.u32 (0); });
                        });
                  });
            });
      });
}

}  // namespace

std::vector<uint8_t>
write_init_segment (const std::vector<TrackConfig> & tracks)
{
  BoxWriter w;
  w.box ("ftyp", [&] { write_brands (w, tracks); });
  w.box ("moov", [&] {
        w.full_box ("mvhd", 0, 0, [&] {
              w.u32 (0);
              w.u32 (0);
              w.u32 (kMovieTimescale);
              w.u32 (0);           // duration: live
              w.u32 (0x00010000);  // rate 1.0
              w.u16 (0x0100);      // volume 1.0
              w.zeros (10);
              write_matrix (w);
              w.zeros (24);
              uint32_t next = 1;
              for (const auto & t : tracks)
                next = std::max (next, t.track_id + 1);
              w.u32 (next);
            });
        for (const auto & t : tracks)
          write_trak (w, t);
        w.box ("mvex", [&] {
              for (const auto & t : tracks) {
                w.full_box ("trex", 0, 0, [&] {
                      w.u32 (t.track_id);
                      w.u32 (1);   // default_sample_description_index
                      w.u32 (0);
                      w.u32 (0);
                      w.u32 (0);
                    });
              }
            });
      });
  return w.take ();
}

std::vector<uint8_t>
write_chunk (uint32_t sequence_number, const std::vector<TrackRun> & runs,
    bool segment_start)
{
  BoxWriter w;
  if (segment_start) {
    w.box ("styp", [&] {
          w.fourcc ("cmfs");
          w.u32 (0);
          w.fourcc ("iso6");
          w.fourcc ("cmfs");
          w.fourcc ("cmfc");
        });
  }
  const size_t moof_start = w.position ();
  std::vector<size_t> data_offset_at;
  w.box ("moof", [&] {
        w.full_box ("mfhd", 0, 0, [&] { w.u32 (sequence_number); });
        for (const auto & run : runs) {
          w.box ("traf", [&] {
                w.full_box ("tfhd", 0, 0x020000, [&] { w.u32 (run.track_id); });
                w.full_box ("tfdt", 1, 0, [&] { w.u64 (run.base_decode_time); });
                bool offsets = false;
                for (const auto & s : run.samples)
                  offsets |= s.composition_offset != 0;
                uint32_t flags = 0x000001 | 0x000100 | 0x000200 | 0x000400
                    | (offsets ? 0x000800 : 0);
                // Version 1: signed composition offsets (CMAF cmf2 style).
                w.full_box ("trun", offsets ? 1 : 0, flags, [&] {
                      w.u32 (static_cast<uint32_t> (run.samples.size ()));
                      data_offset_at.push_back (w.position ());
                      w.u32 (0);   // data_offset, patched below
                      for (const auto & s : run.samples) {
                        w.u32 (s.duration);
                        w.u32 (s.size);
                        w.u32 (s.sync ? kSyncSampleFlags : kNonSyncSampleFlags);
                        if (offsets)
                          w.i32 (s.composition_offset);
                      }
                    });
              });
        }
      });
  const size_t moof_size = w.position () - moof_start;
  size_t offset_in_mdat = 8;
  for (size_t i = 0; i < runs.size (); i++) {
    w.patch_u32 (data_offset_at[i],
        static_cast<uint32_t> (moof_size + offset_in_mdat));
    offset_in_mdat += runs[i].data.size ();
  }
  w.box ("mdat", [&] {
        for (const auto & run : runs)
          w.bytes (run.data);
      });
  return w.take ();
}

}  // namespace camgate::isobmff
