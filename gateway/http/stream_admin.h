// The stream management API: writes pipeline files through PipelineStore,
// then reloads so the answer already shows the running result.
//   POST   /api/v1/streams                 create (JSON body = pipeline file)
//   PUT    /api/v1/streams/<name>          replace
//   PATCH  /api/v1/streams/<name>          merge (RFC 7396)
//   DELETE /api/v1/streams/<name>          remove the file, stop the stream
//   POST   /api/v1/cameras/<id>/add        a discovered ONVIF camera as a stream
#pragma once

#include "config/pipeline_store.h"

#include <libsoup/soup.h>

#include <functional>
#include <string>

namespace camgate {

class StreamManager;
class CameraWatch;

// Whether the caller may manage stream `name`; it answers the refusal itself.
using ManageCheck = std::function<bool (const std::string & name)>;
// Whether the caller is an admin of stream `name` (answers nothing).
using AdminCheck = std::function<bool (const std::string & name)>;

void change_stream (StreamManager & streams, const PipelineStore & store,
    SoupServerMessage * message,
    const std::string & name, const ManageCheck & may_manage,
    const AdminCheck & is_admin);

void add_camera (StreamManager & streams, const PipelineStore & store,
    const CameraWatch & cameras,
    SoupServerMessage * message, const std::string & camera_id,
    const ManageCheck & may_manage);

}  // namespace camgate
