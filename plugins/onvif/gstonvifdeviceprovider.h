/* onvifdeviceprovider: ONVIF cameras on the network as GstDevices, for
 * gst-device-monitor-1.0 and any GstDeviceMonitor. WS-Discovery probes
 * (multicast, plus the addresses in `targets`), live Hello/Bye while
 * started, a re-probe every `interval` seconds; with `user`/`password` each
 * device also gets its manufacturer and model (GetDeviceInformation).
 * create_element() gives an onvifsrc for the device. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_ONVIF_DEVICE_PROVIDER (gst_onvif_device_provider_get_type ())
G_DECLARE_FINAL_TYPE (GstOnvifDeviceProvider, gst_onvif_device_provider, GST,
    ONVIF_DEVICE_PROVIDER, GstDeviceProvider)

#define GST_TYPE_ONVIF_DEVICE (gst_onvif_device_get_type ())
G_DECLARE_FINAL_TYPE (GstOnvifDevice, gst_onvif_device, GST, ONVIF_DEVICE,
    GstDevice)

GST_DEVICE_PROVIDER_REGISTER_DECLARE (onvifdeviceprovider);

G_END_DECLS
