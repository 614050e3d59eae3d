#include "io/checkpoint.hpp"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <map>
#include <optional>
#include <thread>
#include <type_traits>
#include <vector>

#include "core/errors.hpp"
#include "io/hdf5_util.hpp"

namespace graphpool {

namespace {

constexpr long long kCheckpointVersion = 1;
constexpr const char* kKind = "graphpool checkpoint";

template <class T>
hid_t native_type() {
  return std::is_same_v<T, float> ? H5T_NATIVE_FLOAT : H5T_NATIVE_DOUBLE;
}
template <class T>
hid_t file_type() {
  return std::is_same_v<T, float> ? H5T_IEEE_F32LE : H5T_IEEE_F64LE;
}
template <class T>
const char* dtype_name() {
  return std::is_same_v<T, float> ? "float32" : "float64";
}

template <class T>
void write_tensor(hid_t group, const std::string& name, const Tensor<T>& t,
                  const std::string& context) {
  std::vector<hsize_t> dims(static_cast<std::size_t>(t.rank()));
  for (int a = 0; a < t.rank(); ++a) dims[a] = static_cast<hsize_t>(t.dim(a));
  h5::write_dataset(group, name, native_type<T>(), file_type<T>(), dims, {}, 0, t.data(), context);
}

h5::Handle make_group(hid_t loc, const std::string& name, const std::string& context) {
  return h5::checked(H5Gcreate2(loc, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose,
                     context + ": cannot create group " + name);
}

h5::Handle open_group(hid_t loc, const std::string& name, const std::string& context) {
  if (!h5::has_link(loc, name)) throw IoError(context + ": missing group '" + name + "'");
  return h5::checked(H5Gopen2(loc, name.c_str(), H5P_DEFAULT), H5Gclose,
                     context + ": cannot open group " + name);
}

/// Names of the objects in a group.
std::vector<std::string> member_names(hid_t group, const std::string& context) {
  H5G_info_t info;
  h5::check(H5Gget_info(group, &info), context);
  std::vector<std::string> names;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    const ssize_t n =
        H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    if (n < 0) throw IoError(context + ": cannot list members");
    std::string name(static_cast<std::size_t>(n) + 1, '\0');
    H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), name.size(),
                       H5P_DEFAULT);
    name.resize(static_cast<std::size_t>(n));
    names.push_back(std::move(name));
  }
  return names;
}

/// Reads dataset `name` of `group` as a tensor shaped like `like`; checks dtype and shape first.
template <class T>
Tensor<T> read_tensor(hid_t group, const std::string& name, const Shape& expected,
                      const std::string& context) {
  const std::string where = context + " '" + name + "'";
  if (!h5::has_link(group, name)) throw IoError(where + ": missing from the checkpoint");
  h5::Handle ds = h5::checked(H5Dopen2(group, name.c_str(), H5P_DEFAULT), H5Dclose, where);
  h5::Handle type = h5::checked(H5Dget_type(ds.id()), H5Tclose, where);
  if (!h5::is_float(type.id(), sizeof(T)))
    throw IoError(where + ": expected dtype " + dtype_name<T>() + ", got " +
                  h5::type_name(type.id()));
  const std::vector<hsize_t> dims = h5::dataset_dims(ds.id());
  bool same = static_cast<int>(dims.size()) == expected.rank();
  for (int a = 0; same && a < expected.rank(); ++a)
    same = static_cast<Index>(dims[a]) == expected[a];
  if (!same) {
    std::string got = "[";
    for (std::size_t a = 0; a < dims.size(); ++a) got += (a ? ", " : "") + std::to_string(dims[a]);
    throw ShapeError(where + ": expected shape " + expected.str() + " but got " + got + "]");
  }
  Tensor<T> t(expected);
  if (t.numel() > 0)
    h5::check(H5Dread(ds.id(), native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, t.data()),
              where + ": read failed");
  return t;
}

/// Every name in the group must be one of `names` (no extras).
void check_no_extra(hid_t group, const std::map<std::string, int>& names,
                    const std::string& context) {
  for (const std::string& n : member_names(group, context))
    if (!names.count(n))
      throw IoError(context + " '" + n + "': in the checkpoint but not in the model");
}

// The root attributes: kind and format_version checked, then the run's metadata.
CheckpointInfo read_info(hid_t f, const std::string& path) {
  if (!h5::has_attribute(f, "kind"))  // e.g. a dataset file given as a checkpoint
    throw IoError(path + ": not a graphpool checkpoint (no attribute kind)");
  const std::string kind = h5::read_string_attribute(f, "kind", path);
  if (kind != kKind) throw IoError(path + ": attribute kind is '" + kind + "', not a checkpoint");
  const long long version = h5::read_int_attribute(f, "format_version", path);
  if (version != kCheckpointVersion)
    throw IoError(path + ": checkpoint format_version " + std::to_string(version) +
                  ", this reader knows " + std::to_string(kCheckpointVersion));
  CheckpointInfo info;
  info.model_ = h5::read_string_attribute(f, "model", path);
  if (H5Aexists(f, "config") > 0) info.config_ = h5::read_string_attribute(f, "config", path);
  info.epoch_ = h5::read_int_attribute(f, "epoch", path);
  info.seed_ = static_cast<std::uint64_t>(h5::read_int_attribute(f, "seed", path));
  info.has_optimizer_ = h5::has_link(f, "optimizer");
  info.has_training_ = h5::has_link(f, "training");
  if (info.has_training_) {
    h5::Handle training = open_group(f, "training", path);
    info.training_options_ =
        h5::read_string_attribute(training.id(), "options", path + ": training");
    info.training_dataset_ =
        h5::read_string_attribute(training.id(), "dataset", path + ": training");
  }
  return info;
}

constexpr const char* kHistoryColumns[] = {"train_loss", "val_loss", "val_accuracy", "seconds"};

// The history columns by number, in kHistoryColumns order (const or not, as the state).
template <class State>
auto& history_column(State& s, int column) {
  switch (column) {
    case 0:
      return s.train_loss;
    case 1:
      return s.val_loss;
    case 2:
      return s.val_accuracy;
    default:
      return s.seconds;
  }
}

// /training: attributes, /training/history/<column> float64 [epochs], /training/best/<name>.
template <class T>
void write_training(hid_t f, const std::string& path,
                    const std::vector<std::pair<std::string, Parameter<T>*>>& named,
                    const TrainingState<T>& s) {
  const long long epochs = s.epochs();
  for (int c = 0; c < 4; ++c) {
    if (static_cast<long long>(history_column(s, c).size()) != epochs)
      throw ValueError("save_checkpoint: training history column " +
                       std::string(kHistoryColumns[c]) + " has " +
                       std::to_string(history_column(s, c).size()) + " entries, expected " +
                       std::to_string(epochs));
  }
  if (s.best_parameters.size() != named.size())
    throw ValueError("save_checkpoint: training state has " +
                     std::to_string(s.best_parameters.size()) + " best parameters, the module " +
                     std::to_string(named.size()));
  h5::Handle training = make_group(f, "training", path);
  const hid_t t = training.id();
  h5::write_attribute(t, "epochs", epochs);
  h5::write_attribute(t, "best_epoch", s.best_epoch);
  h5::write_attribute(t, "best_val_loss", s.best_val_loss);
  h5::write_attribute(t, "best_val_accuracy", s.best_val_accuracy);
  h5::write_attribute(t, "stopped", static_cast<long long>(s.stopped));
  h5::write_attribute(t, "finished", static_cast<long long>(s.finished));
  h5::write_attribute(t, "test_loss", s.test_loss);
  h5::write_attribute(t, "test_accuracy", s.test_accuracy);
  h5::write_attribute(t, "generator_seed", static_cast<long long>(s.generator_seed));
  h5::write_attribute(t, "generator_streams", static_cast<long long>(s.generator_streams));
  h5::write_attribute(t, "options", s.options);
  h5::write_attribute(t, "dataset", s.dataset);
  {
    h5::Handle history = make_group(t, "history", path);
    const hsize_t n = static_cast<hsize_t>(epochs);
    for (int c = 0; c < 4; ++c)
      h5::write_dataset(history.id(), kHistoryColumns[c], H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE,
                        {&n, 1}, {}, 0, history_column(s, c).data(), path + ": training history");
  }
  h5::Handle best = make_group(t, "best", path);
  for (std::size_t i = 0; i < named.size(); ++i)
    write_tensor(best.id(), named[i].first, s.best_parameters[i],
                 path + ": best parameter " + named[i].first);
}

std::vector<double> read_column(hid_t group, const std::string& name, long long expected,
                                const std::string& context) {
  const std::string where = context + " '" + name + "'";
  if (!h5::has_link(group, name)) throw IoError(where + ": missing from the checkpoint");
  h5::Handle ds = h5::checked(H5Dopen2(group, name.c_str(), H5P_DEFAULT), H5Dclose, where);
  h5::Handle type = h5::checked(H5Dget_type(ds.id()), H5Tclose, where);
  if (!h5::is_float(type.id(), sizeof(double)))
    throw IoError(where + ": expected dtype float64, got " + h5::type_name(type.id()));
  const std::vector<hsize_t> dims = h5::dataset_dims(ds.id());
  if (dims.size() != 1 || static_cast<long long>(dims[0]) != expected)
    throw IoError(
        where + ": expected " + std::to_string(expected) + " values (one per epoch), got " +
        (dims.size() == 1 ? std::to_string(dims[0]) : "rank " + std::to_string(dims.size())));
  std::vector<double> values(static_cast<std::size_t>(expected));
  if (expected > 0)
    h5::check(H5Dread(ds.id(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
              where + ": read failed");
  return values;
}

// Reads and checks the /training group (nothing is assigned to the caller's objects here).
template <class T>
TrainingState<T> read_training(hid_t f, const std::string& path,
                               const std::vector<std::pair<std::string, Parameter<T>*>>& named) {
  if (!h5::has_link(f, "training"))
    throw IoError(path +
                  ": no training state (group 'training' missing): not a resumable "
                  "checkpoint such as graphpool train's last.h5");
  h5::Handle training = open_group(f, "training", path);
  const hid_t t = training.id();
  const std::string context = path + ": training";
  TrainingState<T> s;
  const long long epochs = h5::read_int_attribute(t, "epochs", context);
  if (epochs < 0 || epochs > 100'000'000)
    throw IoError(context + ": epochs must be in [0, 1e8], got " + std::to_string(epochs));
  s.best_epoch = h5::read_int_attribute(t, "best_epoch", context);
  if (s.best_epoch < 0 || s.best_epoch > epochs)
    throw IoError(context + ": best_epoch must be in [0, " + std::to_string(epochs) + "], got " +
                  std::to_string(s.best_epoch));
  s.best_val_loss = h5::read_double_attribute(t, "best_val_loss", context);
  s.best_val_accuracy = h5::read_double_attribute(t, "best_val_accuracy", context);
  auto flag = [&](const char* name) {
    const long long v = h5::read_int_attribute(t, name, context);
    if (v != 0 && v != 1)
      throw IoError(context + ": attribute " + name + " must be 0 or 1, got " + std::to_string(v));
    return v == 1;
  };
  s.stopped = flag("stopped");
  s.finished = flag("finished");
  if (s.finished && !s.stopped) throw IoError(context + ": finished but not stopped");
  s.test_loss = h5::read_double_attribute(t, "test_loss", context);
  s.test_accuracy = h5::read_double_attribute(t, "test_accuracy", context);
  s.generator_seed =
      static_cast<std::uint64_t>(h5::read_int_attribute(t, "generator_seed", context));
  s.generator_streams =
      static_cast<std::uint64_t>(h5::read_int_attribute(t, "generator_streams", context));
  s.options = h5::read_string_attribute(t, "options", context);
  s.dataset = h5::read_string_attribute(t, "dataset", context);
  {
    h5::Handle history = open_group(t, "history", path);
    for (int c = 0; c < 4; ++c)
      history_column(s, c) =
          read_column(history.id(), kHistoryColumns[c], epochs, context + " history");
  }
  if (s.best_epoch > 0 && s.val_loss[static_cast<std::size_t>(s.best_epoch - 1)] != s.best_val_loss)
    throw IoError(context + ": best_val_loss differs from the history's val_loss at best_epoch " +
                  std::to_string(s.best_epoch));
  h5::Handle best = open_group(t, "best", path);
  std::map<std::string, int> names;
  for (const auto& [name, p] : named) names[name] = 0;
  check_no_extra(best.id(), names, context + " best parameter");
  for (const auto& [name, p] : named)
    s.best_parameters.push_back(
        read_tensor<T>(best.id(), name, p->value.shape(), context + " best parameter"));
  return s;
}

// The crash-safety test hook (see checkpoint.hpp): GRAPHPOOL_TEST_CHECKPOINT_DELAY_MS.
void test_hook_delay() {
  const char* text = std::getenv("GRAPHPOOL_TEST_CHECKPOINT_DELAY_MS");
  if (!text) return;
  const long ms = std::strtol(text, nullptr, 10);
  if (ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

}  // namespace

template <class T>
void save_checkpoint(const std::string& path, Module<T>& module,
                     std::type_identity_t<const Adam<T>*> optimizer, const CheckpointInfo& info,
                     std::type_identity_t<const TrainingState<T>*> training) {
  const auto named = module.named_parameters();
  h5::AtomicFile out(path);
  const hid_t f = out.id();
  h5::write_attribute(f, "format_version", kCheckpointVersion);
  h5::write_attribute(f, "kind", std::string(kKind));
  h5::write_attribute(f, "dtype", std::string(dtype_name<T>()));
  h5::write_attribute(f, "model", info.model_);
  if (!info.config_.empty()) h5::write_attribute(f, "config", info.config_);
  h5::write_attribute(f, "epoch", info.epoch_);
  h5::write_attribute(f, "seed", static_cast<long long>(info.seed_));
  {
    h5::Handle params = make_group(f, "parameters", path);
    for (const auto& [name, p] : named)
      write_tensor(params.id(), name, p->value, path + ": parameter " + name);
  }
  if (optimizer) {
    std::map<const Parameter<T>*, std::string> name_of;
    for (const auto& [name, p] : named) name_of[p] = name;
    h5::Handle opt = make_group(f, "optimizer", path);
    const AdamOptions& o = optimizer->options();
    h5::write_attribute(opt.id(), "type", std::string("adam"));
    h5::write_attribute(opt.id(), "step", optimizer->step_count());
    h5::write_attribute(opt.id(), "lr", o.lr_);
    h5::write_attribute(opt.id(), "beta1", o.beta1_);
    h5::write_attribute(opt.id(), "beta2", o.beta2_);
    h5::write_attribute(opt.id(), "eps", o.eps_);
    h5::write_attribute(opt.id(), "weight_decay", o.weight_decay_);
    auto& adam = const_cast<Adam<T>&>(*optimizer);  // moment accessors are non-const
    h5::Handle m = make_group(opt.id(), "m", path);
    h5::Handle v = make_group(opt.id(), "v", path);
    const auto& params = optimizer->parameters();
    for (std::size_t i = 0; i < params.size(); ++i) {
      const auto it = name_of.find(params[i]);
      if (it == name_of.end())
        throw ValueError("save_checkpoint: optimizer parameter " + std::to_string(i) +
                         " is not a parameter of the module");
      write_tensor(m.id(), it->second, adam.first_moments()[i], path + ": moment m");
      write_tensor(v.id(), it->second, adam.second_moments()[i], path + ": moment v");
    }
  }
  if (training) write_training(f, path, named, *training);
  test_hook_delay();
  out.commit();
}

CheckpointInfo read_checkpoint_info(const std::string& path) {
  h5::Handle file = h5::open_file(path);
  return read_info(file.id(), path);
}

CheckpointInfo read_checkpoint_info_image(std::span<const std::byte> image,
                                          const std::string& label) {
  h5::Handle file = h5::open_image(image, label);
  return read_info(file.id(), label);
}

namespace {

// load_checkpoint of the open file `f` (`path` names it in errors).
template <class T>
CheckpointInfo load_open(hid_t f, const std::string& path, Module<T>& module, Adam<T>* optimizer,
                         TrainingState<T>* training) {
  CheckpointInfo info = read_info(f, path);

  // Read and check everything first; assign only when all of it fits.
  const auto named = module.named_parameters();
  std::map<std::string, int> names;
  for (const auto& [name, p] : named) names[name] = 0;
  std::vector<Tensor<T>> values;
  {
    h5::Handle params = open_group(f, "parameters", path);
    const std::string context = path + ": parameter";
    check_no_extra(params.id(), names, context);
    for (const auto& [name, p] : named)
      values.push_back(read_tensor<T>(params.id(), name, p->value.shape(), context));
  }
  std::vector<Tensor<T>> m_values, v_values;
  long long step = 0;
  if (optimizer) {
    h5::Handle opt = open_group(f, "optimizer", path);
    const std::string type = h5::read_string_attribute(opt.id(), "type", path + ": optimizer");
    if (type != "adam") throw IoError(path + ": optimizer type is '" + type + "', expected 'adam'");
    step = h5::read_int_attribute(opt.id(), "step", path + ": optimizer");
    std::map<const Parameter<T>*, std::string> name_of;
    for (const auto& [name, p] : named) name_of[p] = name;
    h5::Handle m = open_group(opt.id(), "m", path);
    h5::Handle v = open_group(opt.id(), "v", path);
    std::map<std::string, int> opt_names;
    for (const Parameter<T>* p : optimizer->parameters()) {
      const auto it = name_of.find(p);
      if (it == name_of.end())
        throw ValueError(
            "load_checkpoint: an optimizer parameter is not a parameter of the module");
      opt_names[it->second] = 0;
    }
    check_no_extra(m.id(), opt_names, path + ": moment m of");
    check_no_extra(v.id(), opt_names, path + ": moment v of");
    for (const Parameter<T>* p : optimizer->parameters()) {
      const std::string& name = name_of[p];
      m_values.push_back(read_tensor<T>(m.id(), name, p->value.shape(), path + ": moment m of"));
      v_values.push_back(read_tensor<T>(v.id(), name, p->value.shape(), path + ": moment v of"));
    }
  }
  std::optional<TrainingState<T>> training_values;
  if (training) training_values = read_training<T>(f, path, named);
  for (std::size_t i = 0; i < named.size(); ++i) named[i].second->value = std::move(values[i]);
  if (training) *training = std::move(*training_values);
  if (optimizer) {
    optimizer->first_moments() = std::move(m_values);
    optimizer->second_moments() = std::move(v_values);
    optimizer->set_step_count(step);
  }
  return info;
}

}  // namespace

template <class T>
CheckpointInfo load_checkpoint(const std::string& path, Module<T>& module,
                               std::type_identity_t<Adam<T>*> optimizer,
                               std::type_identity_t<TrainingState<T>*> training) {
  h5::Handle file = h5::open_file(path);
  return load_open(file.id(), path, module, optimizer, training);
}

template <class T>
CheckpointInfo load_checkpoint_image(std::span<const std::byte> image, const std::string& label,
                                     Module<T>& module, std::type_identity_t<Adam<T>*> optimizer,
                                     std::type_identity_t<TrainingState<T>*> training) {
  h5::Handle file = h5::open_image(image, label);
  return load_open(file.id(), label, module, optimizer, training);
}

template void save_checkpoint<float>(const std::string&, Module<float>&, const Adam<float>*,
                                     const CheckpointInfo&, const TrainingState<float>*);
template void save_checkpoint<double>(const std::string&, Module<double>&, const Adam<double>*,
                                      const CheckpointInfo&, const TrainingState<double>*);
template CheckpointInfo load_checkpoint<float>(const std::string&, Module<float>&, Adam<float>*,
                                               TrainingState<float>*);
template CheckpointInfo load_checkpoint<double>(const std::string&, Module<double>&, Adam<double>*,
                                                TrainingState<double>*);
template CheckpointInfo load_checkpoint_image<float>(std::span<const std::byte>, const std::string&,
                                                     Module<float>&, Adam<float>*,
                                                     TrainingState<float>*);
template CheckpointInfo load_checkpoint_image<double>(std::span<const std::byte>,
                                                      const std::string&, Module<double>&,
                                                      Adam<double>*, TrainingState<double>*);

}  // namespace graphpool
