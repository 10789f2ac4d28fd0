package eventgen

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/slatehq/slate/event"
)

// locale chooses the names, groups, tags and subjects of a tenant.
type locale uint8

const (
	localeEN locale = iota
	localeVI
	localeRU
)

func localeOf(preset string) locale {
	switch preset {
	case event.PresetVNCallCentre, event.PresetVNPortal, event.PresetVNCRM, event.PresetVNLiveChat:
		return localeVI
	case event.PresetOneDesk:
		return localeRU
	}
	return localeEN
}

// Channels in the order of the weight tables below.
var channels = [...]string{"email", "phone", "portal", "chat", "facebook", "zalo", "api", "missed_call"}

const (
	chEmail = iota
	chPhone
	chPortal
	chChat
	chFacebook
	chZalo
	chAPI
	chMissedCall
)

func channelWeights(preset string) [len(channels)]float64 {
	switch preset {
	case event.PresetVNCallCentre:
		return [...]float64{10, 35, 4, 8, 10, 14, 4, 15}
	case event.PresetVNPortal:
		return [...]float64{20, 5, 40, 12, 8, 10, 5, 0}
	case event.PresetVNCRM, event.PresetVNLiveChat:
		return [...]float64{18, 18, 14, 12, 12, 14, 4, 8}
	case event.PresetOneDesk:
		return [...]float64{35, 14, 18, 18, 2, 0, 7, 6}
	}
	return [...]float64{34, 12, 18, 16, 5, 0, 8, 7}
}

var (
	viFamily = []string{"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"}
	viMiddle = []string{"Văn", "Thị", "Minh", "Ngọc", "Thanh", "Hữu", "Đức", "Thu", "Quang", "Hoài"}
	viGiven  = []string{"An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Hùng", "Hương", "Khánh", "Lan", "Linh", "Long", "Mai", "Nam", "Nga", "Phong", "Phúc", "Quân", "Quỳnh", "Sơn", "Tâm", "Thảo", "Trang", "Trung", "Tuấn", "Yến"}

	ruMaleGiven   = []string{"Алексей", "Дмитрий", "Сергей", "Андрей", "Михаил", "Иван", "Николай", "Павел", "Олег", "Артём"}
	ruFemaleGiven = []string{"Мария", "Анна", "Елена", "Ольга", "Наталья", "Татьяна", "Екатерина", "Юлия", "Ирина", "Светлана"}
	ruMaleFamily  = []string{"Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров"}
	ruPatronymic  = []string{"Сергеев", "Александров", "Дмитриев", "Андреев", "Иванов", "Николаев", "Михайлов", "Петров", "Викторов", "Олегов"}

	enGiven  = []string{"Emma", "Liam", "Olivia", "Noah", "Ava", "James", "Sophia", "Lucas", "Mia", "Ethan", "Isabella", "Mason", "Amelia", "Logan", "Harper", "Aiden", "Ella", "Jacob", "Grace", "Daniel", "Chloe", "Henry", "Zoe", "Samuel", "Nora", "David", "Lily", "Owen", "Hannah", "Ryan"}
	enFamily = []string{"Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Martin", "Jackson", "Thompson", "White", "Harris", "Clark", "Lewis", "Walker", "Hall", "Young", "King", "Wright", "Scott", "Green", "Baker", "Adams", "Nelson", "Carter"}

	viOrgForm = []string{"Công ty TNHH", "Công ty CP", "Tập đoàn"}
	viOrgCore = []string{"Minh Phát", "Hoàng Long", "Thành Công", "An Khang", "Phú Thịnh", "Việt Tiến", "Sao Mai", "Đại Dương", "Bình Minh", "Hưng Thịnh", "Tân Phú", "Ánh Dương", "Trường Sơn", "Hồng Hà", "Kim Ngân", "Phương Nam"}
	viOrgCity = []string{"", "Hà Nội", "Sài Gòn", "Đà Nẵng", "Cần Thơ", "Hải Phòng"}
	ruOrgForm = []string{"ООО", "АО", "ПАО"}
	ruOrgCore = []string{"Вектор", "Альфа-Строй", "Техносфера", "Сибирь Логистик", "Северный ветер", "Ромашка", "Гранит", "Меридиан", "Байкал", "Созвездие", "Волна", "Прогресс", "Уралсервис", "Зенит", "Кедр", "Полюс"}
	ruOrgCity = []string{"", "Москва", "Санкт-Петербург", "Новосибирск", "Казань", "Екатеринбург"}
	enOrgCore = []string{"Northwind", "Globex", "Initech", "Umbrella Logistics", "Blue Harbor", "Stark Components", "Wayne Foods", "Hooli", "Vandelay Imports", "Pied Piper", "Soylent", "Cyberdyne", "Wonka Retail", "Oscorp", "Tyrell Systems", "Gringotts"}
	enOrgForm = []string{"Inc.", "Ltd", "LLC", "GmbH", "Group", "Co."}
	enOrgCity = []string{"", "EMEA", "APAC", "US"}

	groupNames = [...][]string{
		localeEN: {"Tier 1", "Billing", "Technical Support", "Onboarding", "Escalations"},
		localeVI: {"Chăm sóc khách hàng", "Kỹ thuật", "Kế toán", "Bán hàng", "Tổng đài"},
		localeRU: {"Первая линия", "Техподдержка", "Биллинг", "Отдел продаж", "Эскалации"},
	}
	groupWeights = []float64{0.4, 0.2, 0.2, 0.1, 0.1}

	enTags = []string{"billing", "login", "bug", "feature-request", "refund", "shipping", "password-reset", "outage", "invoice", "vip", "onboarding", "api", "mobile-app", "integration", "account", "data-export"}
	viTags = []string{"hoá đơn", "mất kết nối", "đổi mật khẩu", "hoàn tiền", "giao hàng", "khiếu nại", "lỗi thanh toán", "tư vấn", "bảo hành", "khuyến mãi", "gói cước", "đăng nhập"}
	ruTags = []string{"оплата", "ошибка входа", "возврат", "доставка", "счёт", "жалоба", "консультация", "подключение", "тариф", "гарантия", "смена пароля", "акция"}

	subjects = [...][]string{
		localeEN: {"Cannot log in to my account", "Invoice shows the wrong amount", "Refund for order not received", "Password reset e-mail never arrives", "App crashes on start", "How do I export my data?", "Shipping is delayed", "API returns 500 errors", "Please upgrade our plan", "Charged twice this month", "Feature request: dark mode", "Service outage in our region"},
		localeVI: {"Không đăng nhập được tài khoản", "Yêu cầu xuất hoá đơn VAT", "Mất kết nối internet từ sáng", "Quên mật khẩu, cần đổi mật khẩu", "Yêu cầu hoàn tiền đơn hàng", "Giao hàng chậm so với hẹn", "Lỗi thanh toán qua thẻ ngân hàng", "Tư vấn gói cước phù hợp", "Bảo hành sản phẩm bị lỗi", "Khiếu nại thái độ nhân viên", "Cập nhật thông tin khách hàng", "Gọi lại cho khách hàng"},
		localeRU: {"Не могу войти в личный кабинет", "Ошибка при оплате картой", "Прошу оформить возврат средств", "Вопрос по тарифу", "Не пришёл счёт за месяц", "Доставка задерживается", "Сброс пароля не работает", "Жалоба на качество обслуживания", "Подключение новой услуги", "Гарантийный ремонт", "Списали деньги дважды", "Нет связи с сервером"},
	}
)

// tenant is a tenant's static world: its vocabulary and pools of people,
// groups and tags, built once from the tenant's own random stream.
type tenant struct {
	name    string
	labels  *labelSet
	loc     locale
	chanCDF [len(channels)]float64

	agents     []string
	agentGroup []int16
	agentRate  []float64 // hourly rate per agent, when the desk bills time
	currency   string    // "" when the desk logs time without rates

	groups      []string
	groupAgents [][]int16
	groupCDF    []float64

	customers []string
	custOrg   []int32 // -1: no organisation
	orgs      []string

	tags    []string // at most 64: ticket tag sets are bit masks
	tagCDF  []float64
	vipTag  int8 // index of "vip" in tags, -1 if the desk has none
	subject []string

	// Automation: pending is set by the desk itself after a public reply.
	autoPending bool
	pPending    float64

	count  int32 // tickets created so far; ticket numbers start at 1
	recent [64]recentTicket
	nrec   int
}

// vipOrgs is how many of a tenant's organisations (the largest: customers
// are drawn towards low indices) are vip accounts.
const vipOrgs = 8

type recentTicket struct{ num, customer int32 }

func (t *tenant) remember(num, customer int32) {
	t.recent[t.nrec%len(t.recent)] = recentTicket{num, customer}
	t.nrec++
}

func newTenant(idx int, spec TenantSpec, expTickets float64, agents int, seed uint64) *tenant {
	r := rand.New(rand.NewPCG(mix64(seed^0x7e4a47), mix64(seed+uint64(idx)*0x9e3779b97f4a7c15)))
	t := &tenant{name: spec.Name, labels: labelsFor(spec.Preset), loc: localeOf(spec.Preset)}
	w := channelWeights(spec.Preset)
	t.chanCDF = [len(channels)]float64(cdf(w[:]))

	switch spec.Preset {
	case event.PresetCanonical:
		t.currency = "USD"
	case event.PresetVNCallCentre, event.PresetVNCRM:
		t.currency = "VND"
	case event.PresetOneDesk:
		t.currency = "RUB"
	}
	t.autoPending = spec.Preset == event.PresetVNPortal
	t.pPending = 0.6
	if t.autoPending {
		t.pPending = 1
	}

	// People: one shuffled list of distinct names; agents first, then customers.
	nCust := int(math.Min(math.Max(expTickets/5, 20), 20000))
	names := personNames(r, t.loc, agents+nCust)
	t.agents = names[:agents]
	t.customers = names[agents:]

	ng := min(len(groupNames[t.loc]), agents)
	t.groups = groupNames[t.loc][:ng]
	t.groupCDF = cdf(groupWeights[:ng])
	t.groupAgents = make([][]int16, ng)
	t.agentGroup = make([]int16, agents)
	t.agentRate = make([]float64, agents)
	rates := ratesFor(t.currency)
	for i := range agents {
		g := i % ng
		t.agentGroup[i] = int16(g)
		t.groupAgents[g] = append(t.groupAgents[g], int16(i))
		if len(rates) > 0 {
			t.agentRate[i] = rates[r.IntN(len(rates))]
		}
	}

	nOrg := int(math.Min(math.Max(float64(nCust)/6, 5), 2000))
	t.orgs = orgNames(r, t.loc, nOrg)
	t.custOrg = make([]int32, nCust)
	for i := range t.custOrg {
		if r.Float64() < 0.25 {
			t.custOrg[i] = -1
			continue
		}
		u := r.Float64()
		t.custOrg[i] = int32(float64(nOrg) * u * u) // a few large organisations
	}

	switch t.loc {
	case localeVI:
		t.tags = append(append(append([]string{}, viTags...), enTags[:8]...), "vip")
	case localeRU:
		t.tags = append(append(append([]string{}, ruTags...), enTags[:8]...), "vip")
	default:
		t.tags = enTags
	}
	tw := make([]float64, len(t.tags))
	for i := range tw {
		tw[i] = 1 / math.Pow(float64(i+1), 0.8)
	}
	t.tagCDF = cdf(tw)
	t.vipTag = int8(slices.Index(t.tags, "vip"))
	t.subject = subjects[t.loc]
	return t
}

func ratesFor(currency string) []float64 {
	switch currency {
	case "USD":
		return []float64{35, 45, 60, 75, 90}
	case "VND":
		return []float64{120000, 150000, 180000, 250000}
	case "RUB":
		return []float64{1200, 1500, 1800, 2500, 3000}
	}
	return nil
}

// personNames returns n distinct names of the locale, in random order; when
// the combinations run out a number keeps them distinct.
func personNames(r *rand.Rand, loc locale, n int) []string {
	var combos int
	var name func(i int) string
	switch loc {
	case localeVI:
		combos = len(viFamily) * len(viMiddle) * len(viGiven)
		name = func(i int) string {
			return viFamily[i%len(viFamily)] + " " + viMiddle[i/len(viFamily)%len(viMiddle)] + " " + viGiven[i/len(viFamily)/len(viMiddle)]
		}
	case localeRU:
		combos = 2 * len(ruMaleFamily) * len(ruPatronymic) * len(ruMaleGiven)
		name = func(i int) string {
			female := i%2 == 1
			i /= 2
			fam := ruMaleFamily[i%len(ruMaleFamily)]
			i /= len(ruMaleFamily)
			pat := ruPatronymic[i%len(ruPatronymic)]
			i /= len(ruPatronymic)
			if female {
				return fam + "а " + ruFemaleGiven[i] + " " + pat + "на"
			}
			return fam + " " + ruMaleGiven[i] + " " + pat + "ич"
		}
	default:
		combos = len(enGiven) * 26 * len(enFamily)
		name = func(i int) string {
			g := enGiven[i%len(enGiven)]
			i /= len(enGiven)
			initial := string(rune('A' + i%26))
			return g + " " + initial + ". " + enFamily[i/26]
		}
	}
	perm := r.Perm(combos)
	out := make([]string, n)
	for i := range out {
		out[i] = name(perm[i%combos])
		if i >= combos {
			out[i] += " " + strconv.Itoa(i/combos+1)
		}
	}
	return out
}

func orgNames(r *rand.Rand, loc locale, n int) []string {
	var form, core, city []string
	switch loc {
	case localeVI:
		form, core, city = viOrgForm, viOrgCore, viOrgCity
	case localeRU:
		form, core, city = ruOrgForm, ruOrgCore, ruOrgCity
	default:
		form, core, city = enOrgForm, enOrgCore, enOrgCity
	}
	combos := len(form) * len(core) * len(city)
	perm := r.Perm(combos)
	out := make([]string, n)
	for i := range out {
		c := perm[i%combos]
		f, k, y := form[c%len(form)], core[c/len(form)%len(core)], city[c/len(form)/len(core)]
		var s string
		switch loc {
		case localeVI:
			s = f + " " + k
			if y != "" {
				s += " " + y
			}
		case localeRU:
			s = f + " «" + k + "»"
			if y != "" {
				s += " (" + y + ")"
			}
		default:
			s = k + " " + f
			if y != "" {
				s = k + " " + y + " " + f
			}
		}
		if i >= combos {
			s += " " + strconv.Itoa(i/combos+1)
		}
		out[i] = s
	}
	return out
}

// cdf turns weights into a cumulative distribution normalised to 1.
func cdf(w []float64) []float64 {
	out := make([]float64, len(w))
	var sum float64
	for i, x := range w {
		sum += x
		out[i] = sum
	}
	for i := range out {
		out[i] /= sum
	}
	out[len(out)-1] = 1
	return out
}

// pick draws an index from a cumulative distribution.
func pick(r *rand.Rand, c []float64) int {
	u := r.Float64()
	for i, x := range c {
		if u < x {
			return i
		}
	}
	return len(c) - 1
}
